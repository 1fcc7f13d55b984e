//! Each step's margin check: an exchange liquidates a margin group below maintenance; a
//! clearing house calls for margin, takes it from reserves, or declares a default after the grace
//! period. The indexed scan (`scan.rs`) decides which accounts need the check.

use super::account::{isolated_equity, position_requirements, valuate, valuate_maintenance, Status, Valuation};
use super::ledger::{names, Name};
use super::money::{to_money, Checked, EngineResult};
use super::scan::ScanMode;
use super::state::{Group, Sim};
use super::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Starts step `t`'s margin checks: finds the accounts to check (`check_margins` checks them).
    pub(in crate::engine) fn begin_margin_checks(&mut self, t: u32) {
        match self.scan.mode {
            ScanMode::Reference => self.reference_next = 0,
            ScanMode::Indexed | ScanMode::IndexedWithoutBand => self.scan.collect(t),
        }
    }

    /// Step `t`'s margin checks, from where they stopped, until none is left (true) or `pause`
    /// asks to stop between two accounts (false: the next call goes on from the next account).
    /// Nothing else runs between two checks, so stopping changes nothing but when the work is
    /// done (issue 14: the crash step of a 100k book is one long task otherwise).
    pub(in crate::engine) fn check_margins(&mut self, t: u32, pause: &mut impl FnMut() -> bool) -> EngineResult<bool> {
        if self.scan.mode == ScanMode::Reference {
            while self.reference_next < self.accts.len() {
                if pause() {
                    return Ok(false);
                }
                self.check_one(self.reference_next, t)?;
                self.reference_next += 1;
            }
            return Ok(true);
        }
        // Same order and same exact check as the loop above, for the accounts that can act.
        loop {
            if pause() {
                return Ok(false);
            }
            let Some(a) = self.scan.next() else { return Ok(true) };
            let v = self.check_one(a, t)?;
            self.scan.route(a, t);
            if !self.scan.needs(a) {
                // Unchanged by its check: the valuation just made is still its own.
                self.band(a, t, v.as_ref());
            }
        }
    }

    /// File the band of account `a`, just checked and unchanged at step `t`.
    pub(in crate::engine) fn band(&mut self, a: usize, t: u32, v: Option<&Valuation>) {
        let Some(acct) = self.accts.get(a) else { return };
        if acct.snap.status.is_out() || acct.defaulter || acct.snap.positions.is_empty() {
            return; // Skipped by the check until something changes it.
        }
        // A pending margin call is re-examined every step.
        let bandable = !(self.ccp && acct.snap.status == Status::MarginCall);
        if !bandable || !self.scan.file_band(&self.m, a, &acct.snap, self.ccp, t, v) {
            self.scan.defer(a);
        }
    }

    /// Source: Binance USDⓈ-M / BitMEX: liquidation when equity falls below maintenance (domain.md §2, §4); a clearing house calls for margin instead (§6).
    /// The margin check of one account at step `t` (liquidation, or the CCP's margin call).
    /// Returns the valuation it made (still the account's if the check changed nothing).
    pub(in crate::engine) fn check_one(&mut self, a: usize, t: u32) -> EngineResult<Option<Valuation>> {
        let Some(acct) = self.accts.get(a) else { return Ok(None) };
        if acct.snap.status.is_out() || acct.defaulter || acct.snap.positions.is_empty() {
            return Ok(None);
        }
        self.valued += 1;
        // An exchange's check reads no initial requirement; a clearing house's margin call does.
        let v = if self.ccp { valuate(&self.m, self.m.pm(a), &acct.snap.collateral, &acct.snap.positions, t)? } else { valuate_maintenance(&self.m, self.m.pm(a), &acct.snap.collateral, &acct.snap.positions, t)? };
        if self.ccp {
            self.ccp_margin(a, t, v.equity, v.maintenance, v.initial)?;
            return Ok(Some(v));
        }
        let was_liquidating = acct.snap.status == Status::Liquidating;
        let mut acted = false;
        if v.has_cross && v.cross_equity < v.cross_maintenance {
            if self.liquidates_option_book(a, t) {
                // A venue with Deribit's rule: hedged, then closed leg by leg (option_liquidation.rs).
                self.liquidate_option_book(a, t, v.cross_equity)?;
            } else {
                let idx: Group = acct.snap.positions.iter().enumerate().filter(|(_, p)| p.isolated.is_none()).map(|(i, _)| i).collect();
                self.liquidate(a, &idx, t, v.cross_equity, true)?;
            }
            acted = true;
        }
        // Isolated positions, from the last so indices stay valid.
        let mut k = self.accts[a].snap.positions.len(); // ok: a < len
        while k > 0 {
            k -= 1;
            let Some(p) = self.accts[a].snap.positions.get(k) else { continue }; // ok: a < len
            let Some(eq) = isolated_equity(&self.m, p, t)? else { continue };
            let (mm, _) = position_requirements(&self.m, p, t)?;
            if eq < mm {
                self.liquidate(a, &[k], t, eq, false)?;
                acted = true;
            }
        }
        // A partial round left it above maintenance: a later check that finds it so, with no
        // liquidation, ends the liquidation (issue 19).
        if was_liquidating && !acted && !self.accts[a].snap.positions.is_empty() {
            // ok: a < len
            self.set_status(a, Status::Healthy);
        }
        Ok(Some(v))
    }

    /// Source: CCP margin calls and default after a failed call, e.g. Nasdaq Clearing, 11 Sep 2018 (domain.md §6).
    /// Clearing house: margin call, met from reserves, or default after the grace period.
    pub(in crate::engine) fn ccp_margin(&mut self, a: usize, t: u32, equity: Decimal, mm: Decimal, im: Decimal) -> EngineResult<()> {
        if equity >= mm {
            if self.accts[a].snap.status == Status::MarginCall {
                // ok: a < len
                self.set_status(a, Status::Healthy);
                self.accts[a].call_step = None; // ok: a < len
            }
            return Ok(());
        }
        // Posted from reserves: money on the money grid (the requirement has a rate's places).
        let top_up = to_money(im.sub_c(equity, "margin call top-up")?).max(Decimal::ZERO);
        if self.accts[a].call_step.is_none() {
            // ok: a < len
            self.accts[a].call_step = Some(t); // ok: a < len
            self.set_status(a, Status::MarginCall);
            let msg = Msg::MarginCall { name: self.who(a), equity, required: mm, top_up };
            self.event(t, Some(a), EventKind::MarginCall, msg, Some(top_up), None);
        }
        if self.accts[a].reserves >= top_up {
            // ok: a < len
            self.accts[a].reserves -= top_up; // ok: a < len
            self.cash_add(a, top_up)?;
            let (n, r) = (self.acct_name(a), Name::from(names::reserves(&self.infos[a].id))); // ok: a < len
            self.post(t, n, r, top_up, "margin call met".into());
            self.accts[a].call_step = None; // ok: a < len
            self.set_status(a, Status::Healthy);
            let msg = Msg::MarginCallMet { name: self.who(a), top_up };
            self.event(t, Some(a), EventKind::MarginCallMet, msg, Some(top_up), None);
            return Ok(());
        }
        let since = self.accts[a].call_step.unwrap_or(t); // ok: a < len
        if t.saturating_sub(since) >= self.s.venue.margin_call_grace {
            self.queue.push_back((a, false));
            self.mark_in_default(a);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::scan::ScanMode;
    use crate::engine::state::Sim;
    use crate::scenario::price_path;

    /// The indexed scan values a small fraction of what the per-account loop does on a quiet book.
    #[test]
    fn indexed_scan_values_few_accounts() {
        let json = r#"{"version":1,"seed":3,"steps":200,
            "instruments":[{"id":"P","tick_size":"0.5","lot_size":"0.001","counterparty":"mm","funding_rate":"0.0001",
              "margin":{"initial":"0.05","maintenance":"0.025"},
              "price":{"initial":"50000","gbm":{"drift":"0","volatility":"0.004"}}}],
            "accounts":[{"id":"mm","role":"market_maker","cash":"100000000000"}],
            "cohorts":[{"id":"l","count":300,"instrument":"P","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"},
                       {"id":"s","count":300,"instrument":"P","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let run = |mode| {
            let paths = price_path::paths(&s).expect("paths");
            let accounts = crate::scenario::book_accounts(&s).expect("accounts");
            let mut sim = Sim::new(&s, paths, accounts, &s.waterfall, mode, true).expect("sim");
            for t in 0..=s.steps {
                sim.step(t).expect("step");
            }
            sim.valued
        };
        let (fast, slow) = (run(ScanMode::Indexed), run(ScanMode::Reference));
        eprintln!("valued: indexed {fast}, reference {slow}");
        assert!(slow > 100_000, "reference valued {slow}");
        assert!(fast * 10 < slow, "indexed valued {fast} of the reference's {slow}");
    }
}
