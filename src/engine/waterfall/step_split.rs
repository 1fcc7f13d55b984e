//! The per-step split shared by the socialized loss and the VM-gains haircut: losses that reach
//! such a layer wait for the step's one pro-rata split over its payers.

use crate::engine::account::{isolated_equity, valuate_maintenance, Status};
use crate::engine::ledger::{names, EntryMemo, Name};
use crate::engine::money::{sum_c, Checked, EngineError, EngineResult};
use crate::engine::state::{Bankrupt, LayerKind, Pending, Sim};
use crate::engine::timeline::*;
use super::distribute::{distribute, DustTo, Split};
use crate::engine::explain::SplitRule;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

impl<'a> Sim<'a> {
    /// Whether account `i` can pay a share of the step's split: in the run, not in default, and
    /// not one of the losses being shared (whatever its status: an exchange liquidation's).
    pub(in crate::engine) fn can_share(&self, i: usize, sharing: &BTreeSet<usize>) -> bool {
        !sharing.contains(&i) && self.accts.get(i).is_some_and(|a| !a.defaulter && !a.snap.status.is_out())
    }

    /// What payer `i`'s margin groups have to give toward a share: its cross group its cross
    /// equity (collateral plus the cross positions' value), each isolated group its isolated
    /// margin balance, never more than that group's equity (a losing position's margin is not
    /// all there). `None` for an account without isolated positions: it pays from its cash.
    fn share_room(&self, i: usize, t: u32) -> EngineResult<Option<(Decimal, Vec<(usize, Decimal)>)>> {
        let Some(a) = self.accts.get(i) else { return Ok(None) };
        if a.snap.positions.iter().all(|p| p.isolated.is_none()) {
            return Ok(None);
        }
        let v = valuate_maintenance(&self.m, self.m.pm(i), &a.snap.collateral, &a.snap.positions, t)?;
        let mut room = Vec::new();
        for (k, p) in a.snap.positions.iter().enumerate() {
            if let (Some(iso), Some(eq)) = (p.isolated, isolated_equity(&self.m, p, t)?) {
                let r = iso.min(eq);
                if r > Decimal::ZERO {
                    room.push((k, r));
                }
            }
        }
        Ok(Some((v.cross_equity.max(Decimal::ZERO), room)))
    }

    /// Source: Binance USDⓈ-M "Cross margin and isolated margin" (domain.md §2: an isolated position's margin is its only collateral, and its profit is not the account's until it closes).
    /// The split's weights `w` capped by what each payer's margin groups have (`share_room`), so
    /// no share drives an isolated margin balance below zero (issue 19); what a payer cannot give
    /// stays in the step's loss and goes on down the waterfall.
    pub(in crate::engine) fn cap_by_groups(&self, w: Vec<(usize, Decimal)>, t: u32) -> EngineResult<Vec<(usize, Decimal)>> {
        let mut out = Vec::with_capacity(w.len());
        for (i, x) in w {
            let x = match self.share_room(i, t)? {
                Some((cross, room)) => x.min(cross.add_c(sum_c(room.iter().map(|r| r.1), "isolated margins")?, "margin groups")?),
                None => x,
            };
            if x > Decimal::ZERO {
                out.push((i, x));
            }
        }
        Ok(out)
    }

    /// Source: Binance USDⓈ-M "Cross margin and isolated margin" (domain.md §2); OKEx's clawback, 2018: each account gives up a share of its net profit (§5).
    /// Take payer `i`'s share `sh` of a split from the margin groups that hold its profit: its
    /// cross group (cash) as far as the cross equity (collateral plus the cross positions' value)
    /// covers it, the rest from its isolated margin balances pro rata to each one (one
    /// `distribute`; its dust from the groups with room left), never past a group's margin
    /// balance or equity (`share_room`): the split's weights were capped by the same room
    /// (`cap_by_groups`), so an isolated margin balance never goes below zero (issue 19).
    /// Cross cash never stands behind an isolated position (Binance), so charging an isolated
    /// position's profit to the cross cash left a debt that the isolated close-out does not see.
    pub(in crate::engine) fn take_share(&mut self, i: usize, sh: Decimal, t: u32) -> EngineResult<()> {
        let Some((cross, room)) = self.share_room(i, t)? else { return self.cash_add(i, -sh) };
        let from_cross = sh.min(cross);
        let rest = sh.sub_c(from_cross, "share beyond the cross group")?;
        let isolated = rest.min(sum_c(room.iter().map(|x| x.1), "isolated margins")?);
        let Split { mut shares, mut dust } = distribute(isolated, &room)?;
        // The dust (under 10⁻⁸ a group) from the groups with room left, in position order.
        for &(k, r) in &room {
            if dust.is_zero() {
                break;
            }
            let taken = shares.iter().find(|x| x.0 == k).map(|x| x.1).unwrap_or_default();
            let more = dust.min(r - taken);
            if more > Decimal::ZERO {
                match shares.iter_mut().find(|x| x.0 == k) {
                    Some(x) => x.1 += more,
                    None => shares.push((k, more)),
                }
                dust -= more;
            }
        }
        let mut cash = sh;
        if let Some(a) = self.accts.get_mut(i) {
            for (k, x) in shares {
                if let Some(iso) = a.snap.positions.get_mut(k).and_then(|p| p.isolated.as_mut()) {
                    *iso = iso.sub_c(x, "isolated margin")?;
                    cash = cash.sub_c(x, "share from cash")?;
                }
            }
        }
        self.touch(i);
        if cash.is_zero() {
            return Ok(());
        }
        self.cash_add(i, -cash)
    }

    /// `def`'s remaining loss joins this step's split at layer `l` (socialized loss or VMGH).
    pub(in crate::engine) fn queue_claim(&mut self, def: usize, t: u32, l: usize, left: Decimal, info: &[Bankrupt]) {
        let label = self.layers.get(l).map(|x| x.label.clone()).unwrap_or_else(|| Name::from("?"));
        let msg = Msg::LossQueued { name: self.who(def), amount: left, label: label.into() };
        self.event(t, Some(def), EventKind::Haircut, msg, Some(left), Some(l));
        self.claims.push(Pending { layer: l, def, left, until: t, info: info.to_vec() });
    }

    /// End of the step's default handling: each socialized-loss or VMGH layer that losses reached
    /// splits the step's total once over its payers (per settlement cycle, as venues do: OKX's 2018
    /// clawback socialized per weekly settlement; LCH SwapClear and ICE Clear Credit haircut VM
    /// gains per VM cycle). What a split leaves goes on down the waterfall, which can default
    /// members in turn (assessments) and bring new losses to a split: repeated until none waits.
    pub(in crate::engine) fn settle_claims(&mut self, t: u32) -> EngineResult<()> {
        loop {
            self.drain_queue(t)?;
            let Some(l) = self.claims.iter().map(|c| c.layer).min() else { return Ok(()) };
            let (now, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.claims).into_iter().partition(|c| c.layer == l);
            self.claims = later;
            self.split_claims(t, l, now, false)?;
        }
    }

    /// One pro-rata split at layer `l` of the claims' total over the layer's payers: for a
    /// socialized loss the surviving accounts in profit (base: profit since step 0), for VMGH this
    /// step's VM gainers (base: their gain; haircut h = min(1, total / gains)). Shares are rounded
    /// down to 8 places, the dust comes from the rounding account; the payers' shares pass through
    /// `venue:loss_sharing` to the defaulters (payers + defaulters entries, not their product).
    /// The take meets the claims in the order they came (the earliest default first). `carried`:
    /// the claims are VMGH windows left open by earlier steps (`collect_pending`).
    pub(in crate::engine) fn split_claims(&mut self, t: u32, l: usize, mut claims: Vec<Pending>, carried: bool) -> EngineResult<()> {
        let Some(kind) = self.layers.get(l).map(|x| x.kind.clone()) else { return Ok(()) };
        let socialized = matches!(kind, LayerKind::Socialized);
        // A loss being shared is not a payer, whatever its status (an exchange liquidation's).
        let sharing: BTreeSet<usize> = claims.iter().map(|c| c.def).collect();
        let w: Vec<(usize, Decimal)> = if socialized { self.socialized_payers(t, &sharing)? } else { self.vm_gain_payers(&sharing) };
        let w = self.cap_by_groups(w, t)?;
        // The spill's draws (issue 15): each claim's draw is told from before the split, so the
        // split's sentence belongs to every claim it paid.
        let starts = claims.iter().map(|c| self.draw_start(Some(l), c.def, t, c.left)).collect::<EngineResult<Vec<_>>>()?;
        let losses = sum_c(claims.iter().map(|c| c.left), "the step's loss to share")?;
        let base = sum_c(w.iter().map(|x| x.1), if socialized { "profits" } else { "variation-margin gains" })?;
        let take = losses.min(base);
        let pool = self.vn(names::LOSS_SHARING);
        if take > Decimal::ZERO {
            // Bounded work (issue 14): a hostile book could split every step over the whole book.
            self.share_budget = self.share_budget.checked_sub(w.len() as u64).ok_or_else(|| EngineError::Invalid {
                errors: vec![format!(
                    "waterfall[{l}]: at step {t} the {} would write more than {} pro-rata shares in all; the cap is {} (docs/scenario.md, Limits)",
                    if socialized { "socialized loss" } else { "VM-gains haircut" },
                    crate::scenario::limits::MAX_BOOK_SPLIT_SHARES,
                    crate::scenario::limits::MAX_BOOK_SPLIT_SHARES
                )],
            })?;
            let rate = take.div_c(base, if socialized { "clawback rate" } else { "haircut rate" })?;
            let Split { shares, dust } = distribute(take, &w)?;
            self.split(t, l, if socialized { SplitRule::SocializedLoss } else { SplitRule::VmHaircut }, None, take, base, None, &w, &shares);
            let memo = if socialized { "clawback: the step's socialized loss" } else { "the step's variation-margin gains haircut" };
            for (i, sh) in shares {
                if !socialized {
                    let n = self.accts.len();
                    self.side.vm_gain.set(i, self.side.vm_gain.get(i) - sh, n);
                }
                self.take_share(i, sh, t)?;
                self.accts[i].snap.loss += sh; // ok: i from the book
                let from = self.acct_name(i);
                self.post(t, pool.clone(), from, sh, EntryMemo::Static(memo));
                self.set_status(i, Status::HaircutApplied);
            }
            self.pay_dust(t, DustTo::Pool, dust)?;
            let msg = if socialized { Msg::Socialized { count: w.len(), rate, take } } else { Msg::VmHaircut { pay: take, rate, count: w.len() } };
            self.event(t, None, EventKind::Haircut, msg, Some(take), Some(l));
            if let Some(layer) = self.layers.get_mut(l) {
                layer.drawn += take;
                self.layers_dirty = true;
            }
        }
        // The take meets the claims in order; each covered part leaves the pool for its defaulter.
        let mut rest = take;
        let mut covers = Vec::with_capacity(claims.len());
        for c in claims.iter_mut() {
            let cover = c.left.min(rest);
            covers.push(cover);
            rest -= cover;
            c.left -= cover;
            if cover.is_zero() {
                continue;
            }
            self.credit_def(c.def, t, pool.clone(), cover, EntryMemo::Static(if socialized { "socialized loss" } else { "variation-margin gains haircut" }))?;
            if !socialized && !carried {
                let msg = Msg::LayerPaid { label: self.layers[l].label.clone().into(), pay: cover, name: self.who(c.def) }; // ok: l < len
                self.event(t, Some(c.def), EventKind::LayerDrawn, msg, Some(cover), Some(l));
            }
        }
        let max_steps = match kind {
            LayerKind::Vmgh { max_steps } => max_steps,
            _ => 1,
        };
        let mut going_on = Vec::new();
        let mut drawn = Vec::with_capacity(claims.len());
        for ((c, start), cover) in claims.into_iter().zip(starts).zip(covers) {
            // What goes on now (a window that stays open holds the rest: nothing passes yet).
            let goes_on = c.left > Decimal::ZERO && if carried { t >= c.until || t == self.s.steps } else { !(max_steps > 1 && t < self.s.steps) };
            drawn.push((c.def, start, cover, if goes_on { c.left } else { Decimal::ZERO }));
            if c.left.is_zero() {
                continue;
            }
            if carried {
                if t >= c.until || t == self.s.steps {
                    if let Some(layer) = self.layers.get_mut(l) {
                        layer.exhausted = true;
                    }
                    // Recorded with this step's layer states (else a window that closes on a
                    // step where nothing else moves leaves the layer unflagged: issue 17).
                    self.layers_dirty = true;
                    going_on.push(c);
                } else {
                    self.pending.push(c);
                }
            } else if max_steps > 1 && t < self.s.steps {
                // The window closes after max_steps − 1 more steps, or at the last step
                // (collect_pending closes every window there): so `until` is clamped to
                // the run's steps, exactly, instead of overflowing u32 for a huge max_steps.
                let until = t.saturating_add(max_steps - 1).min(self.s.steps); // ok: max_steps > 1
                let msg = Msg::VmghWaits { left: c.left, steps: max_steps - 1 };
                self.event(t, Some(c.def), EventKind::Haircut, msg, Some(c.left), Some(l));
                self.pending.push(Pending { until, ..c });
            } else {
                going_on.push(c);
            }
        }
        if !carried && !going_on.is_empty() && !self.layers[l].exhausted {
            // ok: l < len
            let left = sum_c(going_on.iter().map(|c| c.left), "the step's loss to share")?;
            self.layers[l].exhausted = true; // ok: l < len
            self.layers_dirty = true;
            let msg = Msg::LayerExhausted { label: self.layers[l].label.clone().into(), left }; // ok: l < len
            self.event(t, None, EventKind::LayerExhausted, msg, Some(left), Some(l));
        }
        for (def, start, cover, passed_on) in drawn {
            if !cover.is_zero() || !passed_on.is_zero() {
                self.record_draw(t, Some(l), def, start, cover, passed_on)?;
            }
        }
        if !going_on.is_empty() {
            self.layers[l].passed_on = true; // ok: l < len
        }
        for c in going_on {
            self.run_layers(c.def, t, l + 1, c.left, &c.info)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::money::EngineResult;
    use crate::engine::scan::ScanMode;
    use crate::engine::simulate::invalid;
    use crate::engine::state::Sim;
    use crate::scenario::price_path;

    /// The per-step splits stop with an error naming the cap once their shares would pass it.
    #[test]
    fn split_shares_are_capped() {
        let s = crate::scenario::bench::strategy_book(300, 120, crate::scenario::bench::Strategy::SocializedLoss).expect("book");
        let run = |budget: u64| -> EngineResult<u64> {
            let paths = price_path::paths(&s).map_err(|e| invalid(vec![e]))?;
            let accounts = crate::scenario::book_accounts(&s).expect("accounts");
            let mut sim = Sim::new(&s, paths, accounts, &s.waterfall, ScanMode::Indexed, true)?;
            sim.share_budget = budget;
            for t in 0..=s.steps {
                sim.step(t)?;
            }
            Ok(budget - sim.share_budget)
        };
        let used = run(u64::MAX).expect("runs");
        assert!(used > 0);
        assert_eq!(run(used).map(|_| ()), Ok(()));
        let err = run(used - 1).expect_err("over the cap").to_string();
        assert!(err.contains("socialized loss would write more than") && err.contains("Limits"), "{err}");
    }

    /// An isolated account with cross cash too pays its share from the cross group first, then
    /// from its isolated margins pro rata to each one's balance (one `distribute`, the dust from
    /// a group with room). By hand: w holds 2 X short (isolated margin 100) and 4 Y short (300)
    /// at 100 with 20 of cross cash; both prices halve at step 1: profits 100 and 200, isolated
    /// equities 200 and 500. l1 (3 X long, cash 20) leaves 150 − 20 = 130 of bad debt; the market
    /// maker (X −1, Y +4) is down 150; w (profit 300, room 20 + 100 + 300) is the only payer: 20
    /// from its cash, 110 from its margins pro rata 100 : 300: 27.5 and 82.5: margins 72.5 and
    /// 217.5, cash 0. (Issue 19: before, all 130 came from the cash, −110, with the margins
    /// untouched.)
    #[test]
    fn a_share_comes_from_cross_cash_first_then_the_isolated_margins_pro_rata() {
        let json = r#"{"version":1,"steps":2,
          "venue":{"insurance_fund":"0","liquidation_fee":"0","max_slippage":"0"},
          "instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","counterparty":"mm",
              "price":{"initial":"100","points":[{"step":1,"price":"50"},{"step":2,"price":"50"}]}},
            {"id":"Y","tick_size":"0.01","lot_size":"1","counterparty":"mm",
              "price":{"initial":"100","points":[{"step":1,"price":"50"},{"step":2,"price":"50"}]}}],
          "accounts":[{"id":"l1","cash":"20","positions":[{"instrument":"X","size":"3","entry_price":"100"}]},
            {"id":"w","margin_mode":"isolated","cash":"420","positions":[
              {"instrument":"X","size":"-2","entry_price":"100","isolated_margin":"100"},
              {"instrument":"Y","size":"-4","entry_price":"100","isolated_margin":"300"}]},
            {"id":"mm","role":"market_maker","cash":"100000"}],
          "waterfall":[{"kind":"socialized_loss"}]}"#;
        let s = crate::scenario::from_json(json).expect("valid");
        let paths = price_path::paths(&s).expect("paths");
        let accounts = crate::scenario::book_accounts(&s).expect("accounts");
        let mut sim = Sim::new(&s, paths, accounts, &s.waterfall, ScanMode::Indexed, true).expect("sim");
        let d = |x: &str| x.parse::<rust_decimal::Decimal>().expect("decimal");
        let w = |sim: &Sim| (sim.accts[1].snap.collateral[0], sim.accts[1].snap.positions.iter().map(|p| p.isolated).collect::<Vec<_>>());
        sim.step(0).expect("step 0");
        assert_eq!(w(&sim), (d("20"), vec![Some(d("100")), Some(d("300"))]));
        sim.step(1).expect("step 1");
        assert_eq!(w(&sim), (d("0"), vec![Some(d("72.5")), Some(d("217.5"))]));
        assert_eq!(sim.accts[1].snap.loss, d("130"));
    }

    /// Issue 19 (bug: a large share drove an isolated margin balance below zero). By hand: w
    /// holds 2 X short at 100 on an isolated margin of 10, no cross cash; X halves at step 1:
    /// profit 100, isolated equity 110. l1's bad debt is 130 (as above); the market maker, short
    /// the other 1 X, is up 50 (cross). Before, w's weight was its whole profit, 100: shares 130
    /// × 100/150 = 86.67 taken from a margin of 10 (−76.67). Now a share is capped by what the
    /// holder's margin group has, w's margin balance 10: weights 10 and 50, 60 in all, each paid
    /// whole (w's margin 0, loss 10; mm 50) and the other 70 goes on: unallocated (no layer
    /// after the socialized loss).
    #[test]
    fn a_share_never_drives_an_isolated_margin_below_zero() {
        let json = r#"{"version":1,"steps":2,
          "venue":{"insurance_fund":"0","liquidation_fee":"0","max_slippage":"0"},
          "instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","counterparty":"mm",
              "price":{"initial":"100","points":[{"step":1,"price":"50"},{"step":2,"price":"50"}]}}],
          "accounts":[{"id":"l1","cash":"20","positions":[{"instrument":"X","size":"3","entry_price":"100"}]},
            {"id":"w","margin_mode":"isolated","cash":"10","positions":[
              {"instrument":"X","size":"-2","entry_price":"100","isolated_margin":"10"}]},
            {"id":"mm","role":"market_maker","cash":"100000"}],
          "waterfall":[{"kind":"socialized_loss"}]}"#;
        let s = crate::scenario::from_json(json).expect("valid");
        let t = crate::engine::simulate(&s).expect("runs");
        let w = t.snapshot_at(1, 1).expect("w");
        assert_eq!(w.positions[0].isolated, Some(rust_decimal::Decimal::ZERO));
        assert_eq!(w.collateral[0], rust_decimal::Decimal::ZERO);
        assert_eq!(w.loss, rust_decimal::Decimal::from(10));
        assert_eq!(t.account_at(2, 1).loss_to_waterfall, rust_decimal::Decimal::from(50));
        assert_eq!(t.summary.unallocated, rust_decimal::Decimal::from(70));
        assert!(t.conservation().expect("figures").allocated_plus_unallocated_equals_deficit);
    }
}
