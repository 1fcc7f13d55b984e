//! Auto-deleveraging: opposite positions, ranked by the step's ADL score, are closed at the
//! bankruptcy price and pay the bad debt per contract they take. The ranking formulas are
//! `engine::adl`'s.

use crate::engine::account::{valuate, Status};
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{AdlQueue, Bankrupt, Sim};
use crate::engine::timeline::*;
use super::distribute::round_share;
use crate::engine::adl::{adl_score, adl_take, dydx_key, hyperliquid_key};
use crate::scenario::AdlRule;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: BitMEX, "Auto-Deleveraging" and "Auto-Deleveraging Examples": closed against the best-ranked opposite positions at the bankruptcy price (domain.md §4).
    /// ADL: close opposite positions, best-ranked first, at the bankruptcy price; each pays the
    /// bad debt per contract for what it takes. Never more than the bankrupt size.
    /// Every rule (`venue.adl`) reports what it took against what the deficit needed
    /// (`adl_report`); Drift's closes no position (`adl_drift`).
    pub(in crate::engine) fn adl(&mut self, def: usize, t: u32, l: usize, mut left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        if self.s.venue.adl == AdlRule::Drift {
            return self.adl_drift(def, t, l, left, info);
        }
        let mut paid = Decimal::ZERO;
        for b in info {
            if left.is_zero() || b.per_unit <= Decimal::ZERO {
                continue;
            }
            let (needed_money, paid_before) = (left, paid);
            // The open profit (at mark) of the quantities the queue closes: what the fill took
            // off the winners' books, against the `needed_money` it had to cover (issue 19).
            let mut profit_closed = Decimal::ZERO;
            // Quantity on the lot grid, rounded up, never more than the bankrupt size.
            let lot = self.m.meta(b.inst).map(|x| x.lot_size).unwrap_or_default();
            let raw = left.div_c(b.per_unit, "ADL quantity")?;
            let raw = if lot > Decimal::ZERO { (raw.div_c(lot, "ADL quantity")?).ceil().mul_c(lot, "ADL quantity")? } else { raw };
            let needed = b.size.abs().min(raw);
            let mark = self.m.mark(b.inst, t);
            let opposite_long = b.size.is_sign_negative();
            let qi = self.adl_queue(def, t, b.inst, opposite_long)?;
            let Some(entry) = self.adl_cache.get_mut(qi) else { continue };
            let queue = std::mem::take(&mut entry.ranked);
            let mut head = entry.head;
            // Current quantities of the ranked accounts (earlier hits this step reduced some), in
            // the run's reused buffer.
            let mut cands = std::mem::take(&mut self.adl_cands);
            cands.clear();
            let mut have = Decimal::ZERO;
            let mut spent_prefix = true;
            for (rank, &(i, ..)) in queue.iter().enumerate().skip(head) {
                let Some(a) = self.accts.get(i) else { continue };
                let pos = a.snap.positions.iter().find(|p| p.inst == b.inst);
                let spent = a.defaulter || pos.map_or(true, |p| p.size.is_sign_negative() == opposite_long || p.size.is_zero());
                if spent && spent_prefix {
                    head = rank + 1;
                }
                spent_prefix &= spent;
                if i == def || a.defaulter || a.snap.status.is_out() {
                    continue;
                }
                let Some(p) = pos else { continue };
                if p.size.is_sign_negative() == opposite_long || p.size.is_zero() {
                    continue;
                }
                // Score = position in the step's ranking (highest first).
                cands.push((i, p.size.abs(), Decimal::from(queue.len() - rank)));
                have += p.size.abs();
                if have >= needed {
                    break;
                }
            }
            if let Some(entry) = self.adl_cache.get_mut(qi) {
                entry.ranked = queue;
                entry.head = head;
            }
            adl_take(&mut cands, needed);
            let mut still = needed;
            for (rank, &(i, q, place)) in cands.iter().enumerate() {
                // The hit that completes the needed quantity pays exactly what is left, so the
                // division above leaves no dust.
                still -= q;
                let charge = if still <= Decimal::ZERO {
                    left
                } else {
                    round_share(q.mul_c(b.per_unit, "ADL charge")?).min(left)
                };
                let Some(pidx) = self.accts[i].snap.positions.iter().position(|p| p.inst == b.inst) else { continue }; // ok: i < len
                let p = &self.accts[i].snap.positions[pidx]; // ok: found above
                let signed = if p.size.is_sign_negative() { -q } else { q };
                profit_closed += self.m.pnl_at(b.inst, signed, p.entry, mark)?.max(Decimal::ZERO);
                let (r, iso) = self.close_part(i, pidx, q, mark, t)?;
                self.cash_add(i, r + iso)?;
                self.charge(i, def, t, charge, "auto-deleveraged at the bankruptcy price")?;
                self.set_status(i, Status::Deleveraged);
                let adl = self.adl_figures(qi, place, mark, b.per_unit);
                let msg = Msg::Deleveraged { rank: rank + 1, name: self.who(i), size: q, inst: self.inst_id(b.inst).into(), charge, adl, toward: self.who(def) };
                self.event(t, Some(i), EventKind::Deleveraged, msg, Some(charge), Some(l));
                left -= charge;
                paid += charge;
            }
            self.adl_cands = cands;
            self.adl_report(t, l, b.inst, needed_money, paid - paid_before, profit_closed);
        }
        Ok(paid)
    }

    /// What one ADL fill took against what the deficit needed: an event and the run's totals
    /// (`LossSummary::adl`). The fairness figure of Hyperliquid's 10 Oct 2025 event: the queue
    /// closed positions carrying far more profit than the bad debt (domain.md, Chitra 2025).
    pub(in crate::engine) fn adl_report(&mut self, t: u32, l: usize, inst: usize, needed: Decimal, charged: Decimal, profit_closed: Decimal) {
        self.adl_totals.fills += 1;
        self.adl_totals.needed += needed;
        self.adl_totals.charged += charged;
        self.adl_totals.profit_closed += profit_closed;
        self.adl_totals.overshoot += (profit_closed - needed).max(Decimal::ZERO);
        let msg = Msg::AdlTaken { inst: self.inst_id(inst).into(), rule: self.s.venue.adl, needed, charged, profit_closed };
        self.event(t, None, EventKind::AdlTaken, msg, Some(charged), Some(l));
    }

    /// What ranked a hit (`place`: the surrogate score `ranked.len() − index` of `adl`'s loop),
    /// for `explain` (issue 15: "why me?").
    fn adl_figures(&self, qi: usize, place: Decimal, mark: Decimal, per_unit: Decimal) -> AdlFigures {
        let q = self.adl_cache.get(qi).map(|c| &c.ranked[..]).unwrap_or(&[]);
        let k = usize::try_from(place.mantissa()).ok().and_then(|p| q.len().checked_sub(p)).unwrap_or(usize::MAX);
        let (score, [pnl_pct, leverage]) = q.get(k).map(|x| (x.1, x.2)).unwrap_or_default();
        AdlFigures { place: k.saturating_add(1), ranked: q.len(), score, pnl_pct, leverage, mark, per_unit }
    }

    /// Source: BitMEX's ranking, PnL% × effective leverage when in profit, else PnL% / leverage (domain.md §4; the formula is `engine::adl::adl_score`); Hyperliquid's key and dYdX's seeded order by `venue.adl` (`engine::adl`).
    /// The step's ADL ranking of accounts holding `inst` on the given side, best first: its index
    /// in `adl_cache`.
    pub(in crate::engine) fn adl_queue(&mut self, def: usize, t: u32, inst: usize, long: bool) -> EngineResult<usize> {
        if let Some(k) = self.adl_cache.iter().position(|c| c.key == (inst, long) && c.step == t) {
            return Ok(k);
        }
        let mark = self.m.mark(inst, t);
        let mut ranked = Vec::new();
        for i in 0..self.accts.len() {
            let a = &self.accts[i]; // ok: i < len
            if i == def || a.defaulter || a.snap.status.is_out() {
                continue;
            }
            let Some(p) = a.snap.positions.iter().find(|p| p.inst == inst) else { continue };
            if p.size.is_zero() || p.size.is_sign_negative() == long {
                continue;
            }
            // PnL% = (mark value − entry value) / |entry value|; leverage = |mark value| / equity
            // (Hyperliquid's notional / account value).
            let pnl = self.m.pnl_at(p.inst, p.size, p.entry, mark)?;
            let entry_value = self.m.notional(p.inst, p.size, p.entry)?;
            let pct = if entry_value.is_zero() { Decimal::ZERO } else { pnl.div_c(entry_value, "ADL pnl%")? };
            let eq = valuate(&self.m, self.m.pm(i), &a.snap.collateral, &a.snap.positions, t)?.equity;
            let lev = if eq > Decimal::ZERO { self.m.notional(p.inst, p.size, mark)?.div_c(eq, "ADL leverage")? } else { Decimal::ZERO };
            let score = match self.s.venue.adl {
                AdlRule::Hyperliquid => hyperliquid_key(mark, p.entry, !p.size.is_sign_negative(), lev)?,
                AdlRule::Dydx => dydx_key(self.s.seed, t, inst, i),
                AdlRule::Bitmex | AdlRule::Drift => adl_score(pct, lev)?,
            };
            ranked.push((i, score, [pct, lev]));
        }
        // (score, account) is unique per account: the unstable sort (no buffer) gives the one order.
        ranked.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        self.adl_cache.retain(|c| c.key != (inst, long));
        self.adl_cache.push(AdlQueue { key: (inst, long), step: t, ranked, head: 0 });
        Ok(self.adl_cache.len() - 1)
    }
}
