//! Event-driven margin scan (issue 8). Between changes, an account's equity minus maintenance is
//! a piecewise-linear function of the marks, so each account gets a *band* per instrument inside
//! which the exact margin check provably does nothing. Bands live in two heaps per instrument
//! (lower edges for "mark fell below", upper edges for "mark rose above"), and funding drift gets
//! an expiry step, so a step touches only the accounts whose band the marks left, plus the ones
//! that changed: O(log N + hits) instead of O(N).
//!
//! Exactness: the band is only a filter. An account leaves it *before* the exact check could act
//! (the budget below keeps a guard for rounding), and then the very same exact check runs. So the
//! timeline is identical to the per-account loop (`ScanMode::Reference`); tests/engine_event_scan.rs
//! asserts it on random scenarios.
//!
//! The bound, per margin group (cross, each isolated position, or the whole account at a CCP):
//! with slack S = equity − maintenance > 0 at step t, split S over the instruments the group is
//! exposed to (and half to adverse funding, when any). For instrument i with the slope of the
//! group's equity − maintenance in its mark bounded by [s_lo, s_hi], a move down to P0 − B/s_hi or
//! up to P0 + B/|s_lo| costs at most B. f64 is used only for the edges, each rounded toward P0 by
//! a margin far above f64's error (relative 1e-12 on widths, ~4 ulps on the edge itself).

use super::account::{position_requirements, position_value, valuate, AccountSnap, Valuation};
use super::market::Market;
use crate::scenario::{ContractKind, Scenario};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// How the step loop finds the accounts to value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScanMode {
    /// Value every account at every step: the straightforward loop, kept as the reference.
    Reference,
    /// Value only accounts whose band the marks left, or that changed (same timeline).
    #[default]
    Indexed,
    /// [`ScanMode::Indexed`] without the slack band of portfolio-margined accounts
    /// (portfolio_band.rs): such an account is valued at every move of one of its inputs. Kept
    /// to prove the band changes nothing (tests/portfolio_band.rs) and to measure what it saves.
    IndexedWithoutBand,
}

/// What the band needs to know about an instrument.
struct InstFacts {
    linear: bool,
    cs: Decimal,
    /// Maintenance is continuous in notional (flat, or tiers with computed amounts): no jump.
    continuous: bool,
    /// Bounds on d(maintenance)/d(notional) over all tiers.
    mmr_lo: f64,
    mmr_hi: f64,
    /// Funding index over the run: 0 flat, 1 non-decreasing, -1 non-increasing, 2 neither.
    funding: i8,
    /// Marks as the nearest f64, compared with the (guarded) band edges.
    marks: Vec<f64>,
    /// Largest |mark| of the run: accounts whose notional could approach Decimal's range are
    /// always checked, so an overflow error surfaces exactly as in the reference.
    max_mark: Decimal,
    /// An option (issue 18): its underlying instrument and the maintenance rate of the standard
    /// option margin (option_margin.rs), which moves with the underlying's mark too.
    option: Option<(usize, f64)>,
}

/// A band edge in a heap: ordered by price, then account (f64 total order; never NaN).
#[derive(Clone, Copy, Debug)]
struct Edge {
    price: f64,
    acct: u32,
    ver: u32,
}

impl PartialEq for Edge {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Edge {}
impl PartialOrd for Edge {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Edge {
    fn cmp(&self, o: &Self) -> Ordering {
        self.price.total_cmp(&o.price).then(self.acct.cmp(&o.acct)).then(self.ver.cmp(&o.ver))
    }
}

/// Guard (in money) for rounding inside the engine's own valuation: a position's PnL and its
/// funding owed are each rounded to the money grid (`money::MONEY_DP` = 12 places, at most half a
/// unit, 0.5e-12) at both ends of the band: 4 × 0.5e-12 per position; inverse PnL to 10 places
/// (`money::LEGACY_MONEY_DP`): 2 × 0.5e-10 more, guarded by 2e-10. A collateral asset's value
/// is rounded too: 2 × 0.5e-12 per asset. Everything else is exact decimal arithmetic at these
/// magnitudes, and a relative 1e-18 of the sizes involved covers any last-digit rounding.
const POSITION_ROUNDING: Decimal = Decimal::from_parts(2, 0, 0, false, 12);
const INVERSE_ROUNDING: Decimal = Decimal::from_parts(2, 0, 0, false, 10);
const COLLATERAL_ROUNDING: Decimal = Decimal::from_parts(1, 0, 0, false, 12);
/// Beyond this notional (quote units) an account is always checked (Decimal's range is ~7.9e28).
const NOTIONAL_CAP: Decimal = Decimal::from_parts(1_661_992_960, 1_808_227_885, 5, false, 0); // 1e20

pub(crate) struct Scan {
    pub mode: ScanMode,
    steps: u32,
    facts: Vec<InstFacts>,
    /// Collateral asset k → the instrument whose mark is its price (None: constant price).
    asset_inst: Vec<Option<usize>>,
    /// Band portfolio-margined accounts by their slack (not in `IndexedWithoutBand`).
    band_pm: bool,
    /// Max-heaps of lower edges: the account is a candidate once the mark is below its edge.
    lower: Vec<BinaryHeap<Edge>>,
    /// Min-heaps of upper edges: candidate once the mark is above.
    upper: Vec<BinaryHeap<Reverse<Edge>>>,
    /// (step, account, version): funding may have used up the budget by that step.
    timed: BinaryHeap<Reverse<(u32, u32, u32)>>,
    /// Band version per account; heap entries of older versions are stale.
    ver: Vec<u32>,
    /// Account is in `recheck` (changed, or cannot be banded): value it at the next check.
    needs: Vec<bool>,
    pub recheck: Vec<u32>,
    /// Entries of `recheck` before this index are deferred to the next step.
    kept: usize,
    /// Step + 1 at which the account was queued (dedup within a step).
    queued: Vec<u32>,
    /// This step's candidates, lowest account first (the reference order).
    cands: BinaryHeap<Reverse<u32>>,
    // Scratch for one band (reused: no allocation per account).
    lo: Vec<f64>,
    hi: Vec<f64>,
    slo: Vec<f64>,
    shi: Vec<f64>,
    mag: Vec<f64>,
    used: Vec<bool>,
    insts: Vec<usize>,
    ginsts: Vec<usize>,
    adverse: Vec<(usize, Decimal)>,
}

/// 10^k as the nearest f64 (exact up to 10^22).
const POW10: [f64; 29] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
];

/// `x` as an f64 within ~2 ulps (mantissa rounded once, one division): as close as
/// `Decimal::to_f64`, far inside the band's guards, without its 128-bit divisions.
fn f(x: Decimal) -> f64 {
    match POW10.get(x.scale() as usize) {
        Some(p) => x.mantissa() as f64 / p,
        None => x.to_f64().unwrap_or(f64::NAN),
    }
}

impl Scan {
    pub fn new(s: &Scenario, m: &Market, n_accounts: usize, mode: ScanMode) -> Scan {
        let n_inst = m.meta.len();
        let mut facts = Vec::with_capacity(n_inst);
        for (i, meta) in m.meta.iter().enumerate() {
            let tiers = &meta.margin.tiers;
            let mut continuous = !tiers.is_empty();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (k, tr) in tiers.iter().enumerate() {
                let r = f(tr.maintenance);
                lo = lo.min(r);
                hi = hi.max(r);
                if tr.amount > Decimal::ZERO {
                    // max(0, n·mmr − cum) has a flat part.
                    lo = lo.min(0.0);
                    hi = hi.max(0.0);
                }
                if let Some(prev) = k.checked_sub(1).and_then(|p| tiers.get(p)) {
                    let a = tr.floor.checked_mul(prev.maintenance).and_then(|x| x.checked_sub(prev.amount));
                    let b = tr.floor.checked_mul(tr.maintenance).and_then(|x| x.checked_sub(tr.amount));
                    continuous &= a.is_some() && a == b;
                }
            }
            let fi = m.funding_index.get(i).map(|v| v.as_slice()).unwrap_or(&[]);
            let (up, down) = fi.windows(2).fold((false, false), |(u, d), w| (u || w[1] > w[0], d || w[1] < w[0])); // ok: windows(2)
            let funding = match (up, down) {
                (false, false) => 0,
                (true, false) => 1,
                (false, true) => -1,
                (true, true) => 2,
            };
            let marks_d = m.marks.get(i).map(|v| v.as_slice()).unwrap_or(&[]);
            facts.push(InstFacts {
                linear: meta.kind == ContractKind::Linear,
                cs: meta.contract_size,
                continuous: continuous && lo.is_finite() && hi.is_finite(),
                mmr_lo: lo,
                mmr_hi: hi,
                funding,
                marks: marks_d.iter().map(|x| f(*x)).collect(),
                max_mark: marks_d.iter().map(|x| x.abs()).max().unwrap_or_default(),
                option: meta.option.map(|o| (o.underlying, f(super::options::deribit_standard::StandardParams::default().maintenance))),
            });
        }
        let mut asset_inst = vec![None];
        for a in &s.assets {
            asset_inst.push(a.follows.as_ref().and_then(|id| s.instruments.iter().position(|x| &x.id == id)));
        }
        Scan {
            mode,
            band_pm: mode != ScanMode::IndexedWithoutBand,
            steps: s.steps,
            facts,
            asset_inst,
            lower: (0..n_inst).map(|_| BinaryHeap::new()).collect(),
            upper: (0..n_inst).map(|_| BinaryHeap::new()).collect(),
            timed: BinaryHeap::new(),
            ver: vec![0; n_accounts],
            // Every account is valued at the first check.
            needs: vec![true; n_accounts],
            recheck: (0..n_accounts as u32).collect(),
            kept: 0,
            queued: vec![0; n_accounts],
            cands: BinaryHeap::new(),
            lo: vec![f64::NEG_INFINITY; n_inst],
            hi: vec![f64::INFINITY; n_inst],
            slo: vec![0.0; n_inst],
            shi: vec![0.0; n_inst],
            mag: vec![0.0; n_inst],
            used: vec![false; n_inst],
            insts: Vec::new(),
            ginsts: Vec::new(),
            adverse: Vec::new(),
        }
    }

    /// The account changed: its band is void and it is valued at the next check.
    #[inline]
    pub fn invalidate(&mut self, a: usize) {
        if let Some(v) = self.ver.get_mut(a) {
            *v = v.wrapping_add(1);
        }
        self.defer(a);
    }

    /// Value the account at the next check (changed, or cannot be banded).
    #[inline]
    pub fn defer(&mut self, a: usize) {
        if let Some(n) = self.needs.get_mut(a) {
            if !*n {
                *n = true;
                self.recheck.push(a as u32);
            }
        }
    }

    #[inline]
    fn queue(&mut self, a: u32, t: u32) {
        if let Some(q) = self.queued.get_mut(a as usize) {
            if *q != t + 1 {
                *q = t + 1;
                self.cands.push(Reverse(a));
            }
        }
    }

    /// Gather step `t`'s candidates: changed accounts, bands the marks left, expired bands.
    pub fn collect(&mut self, t: u32) {
        let mut rc = std::mem::take(&mut self.recheck);
        for &a in &rc {
            if let Some(n) = self.needs.get_mut(a as usize) {
                *n = false;
            }
            self.queue(a, t);
        }
        rc.clear();
        self.recheck = rc;
        self.kept = 0;
        for i in 0..self.facts.len() {
            let Some(mark) = self.facts.get(i).and_then(|x| x.marks.get(t as usize)).copied() else { continue };
            while let Some(e) = self.lower.get(i).and_then(|h| h.peek()).copied() {
                if e.price.total_cmp(&mark) != Ordering::Greater {
                    break;
                }
                self.lower.get_mut(i).map(|h| h.pop());
                if self.ver.get(e.acct as usize) == Some(&e.ver) {
                    self.queue(e.acct, t);
                }
            }
            while let Some(Reverse(e)) = self.upper.get(i).and_then(|h| h.peek()).copied() {
                if e.price.total_cmp(&mark) != Ordering::Less {
                    break;
                }
                self.upper.get_mut(i).map(|h| h.pop());
                if self.ver.get(e.acct as usize) == Some(&e.ver) {
                    self.queue(e.acct, t);
                }
            }
        }
        while let Some(&Reverse((step, a, v))) = self.timed.peek() {
            if step > t {
                break;
            }
            self.timed.pop();
            if self.ver.get(a as usize) == Some(&v) {
                self.queue(a, t);
            }
        }
    }

    /// The next candidate, lowest account first.
    #[inline]
    pub fn next(&mut self) -> Option<usize> {
        self.cands.pop().map(|Reverse(a)| a as usize)
    }

    /// After account `a` was checked at step `t`: accounts it changed with a higher index are
    /// valued later this step (as the reference loop would); lower ones wait for the next step.
    pub fn route(&mut self, a: usize, t: u32) {
        let mut k = self.kept;
        for j in self.kept..self.recheck.len() {
            let Some(b) = self.recheck.get(j).copied() else { break };
            if b as usize > a {
                if let Some(n) = self.needs.get_mut(b as usize) {
                    *n = false;
                }
                self.queue(b, t);
            } else {
                if let Some(slot) = self.recheck.get_mut(k) {
                    *slot = b;
                }
                k += 1;
            }
        }
        self.recheck.truncate(k);
        self.kept = k;
    }

    #[inline]
    pub fn needs(&self, a: usize) -> bool {
        self.needs.get(a).copied().unwrap_or(true)
    }

    /// Compute and file account `a`'s band at step `t`; false when it cannot be banded (then the
    /// caller defers it to every next check). `snap` must be the state just checked safe; `pre`,
    /// when given, its valuation at `t` (saves valuing it again).
    pub fn file_band(&mut self, m: &Market, a: usize, snap: &AccountSnap, ccp: bool, t: u32, pre: Option<&Valuation>) -> bool {
        for &i in &self.insts {
            if let (Some(l), Some(h)) = (self.lo.get_mut(i), self.hi.get_mut(i)) {
                *l = f64::NEG_INFINITY;
                *h = f64::INFINITY;
            }
        }
        self.insts.clear();
        let mut expiry = u32::MAX;
        let ok = (|| -> Option<()> {
            let value = || match pre {
                Some(v) => Some(v.clone()),
                None => valuate(m, m.pm(a), &snap.collateral, &snap.positions, t).ok(),
            };
            if ccp {
                let v = value()?;
                let s = v.equity.checked_sub(v.maintenance)?;
                self.group(m, m.pm(a), snap, None, true, s, t, &mut expiry)?;
            } else {
                let mut has_cross = false;
                for (k, p) in snap.positions.iter().enumerate() {
                    match p.isolated {
                        None => has_cross = true,
                        Some(iso) => {
                            let val = position_value(m, p, t).ok()?;
                            let (mm, _) = position_requirements(m, p, t).ok()?;
                            let s = iso.checked_add(val)?.checked_sub(mm)?;
                            self.group(m, m.pm(a), snap, Some(k), false, s, t, &mut expiry)?;
                        }
                    }
                }
                if has_cross {
                    let v = value()?;
                    let s = v.cross_equity.checked_sub(v.cross_maintenance)?;
                    self.group(m, m.pm(a), snap, None, false, s, t, &mut expiry)?;
                }
            }
            Some(())
        })();
        if ok.is_none() {
            return false;
        }
        let Some(v) = self.ver.get_mut(a) else { return false };
        *v = v.wrapping_add(1);
        let ver = *v;
        let acct = a as u32;
        for &i in &self.insts {
            let (l, h) = (self.lo.get(i).copied().unwrap_or(f64::INFINITY), self.hi.get(i).copied().unwrap_or(f64::NEG_INFINITY));
            if l > f64::NEG_INFINITY {
                if let Some(heap) = self.lower.get_mut(i) {
                    heap.push(Edge { price: l, acct, ver });
                }
            }
            if h < f64::INFINITY {
                if let Some(heap) = self.upper.get_mut(i) {
                    heap.push(Reverse(Edge { price: h, acct, ver }));
                }
            }
        }
        if expiry != u32::MAX {
            self.timed.push(Reverse((expiry, acct, ver)));
        }
        true
    }

    /// Add a slope interval for instrument `i` to the current group.
    fn add_slope(&mut self, i: usize, lo: f64, hi: f64, mag: f64) -> Option<()> {
        if !*self.used.get(i)? {
            *self.used.get_mut(i)? = true;
            *self.slo.get_mut(i)? = 0.0;
            *self.shi.get_mut(i)? = 0.0;
            *self.mag.get_mut(i)? = 0.0;
            self.ginsts.push(i);
            if !self.insts.contains(&i) {
                self.insts.push(i);
            }
        }
        *self.slo.get_mut(i)? += lo;
        *self.shi.get_mut(i)? += hi;
        *self.mag.get_mut(i)? += mag;
        Some(())
    }

    /// One margin group with slack `s` at step `t`: one isolated position (`only`), or all
    /// positions and the collateral (`all`: CCP), or the cross positions and the collateral.
    /// Narrows `lo`/`hi` and `expiry`; None when the group cannot be banded.
    #[allow(clippy::too_many_arguments)]
    fn group(&mut self, m: &Market, pm: Option<&super::portfolio_margin::PortfolioTables>, snap: &AccountSnap, only: Option<usize>, all: bool, s: Decimal, t: u32, expiry: &mut u32) -> Option<()> {
        for &i in &self.ginsts {
            if let Some(u) = self.used.get_mut(i) {
                *u = false;
            }
        }
        self.ginsts.clear();
        self.adverse.clear();
        if s <= Decimal::ZERO {
            return None;
        }
        if let (Some(pm), None) = (pm, only) {
            // The slack band (portfolio_band.rs): asleep while the account provably keeps its
            // slack; else, as below, at the next move of any input.
            if self.band_pm {
                if let Some(w) = pm.quiet_until(snap, all, &self.asset_inst, m, s, t) {
                    *expiry = (*expiry).min(w);
                    return Some(());
                }
            }
            // Portfolio margin (issue 18): the requirement is not linear in the marks, so no
            // price band; the group is checked again at the first step where one of its inputs
            // moves — a mark, a volatility, an option's time to expiry, a funding index, the
            // price of collateral that follows an instrument (PortfolioTables::next_change).
            for p in snap.positions.iter().filter(|p| all || p.isolated.is_none()) {
                *expiry = (*expiry).min(pm.next_change(p.inst, t));
                if let Some(o) = m.option(p.inst) {
                    *expiry = (*expiry).min(pm.next_change(o.underlying, t));
                }
            }
            for (k, units) in snap.collateral.iter().enumerate().skip(1) {
                if let (false, Some(i)) = (units.is_zero(), self.asset_inst.get(k).copied().flatten()) {
                    *expiry = (*expiry).min(pm.next_change(i, t));
                }
            }
            return Some(());
        }
        let mut eps = Decimal::ZERO;
        let mut scale = s.abs();
        for (k, p) in snap.positions.iter().enumerate() {
            match only {
                Some(j) if j != k => continue,
                None if !all && p.isolated.is_some() => continue,
                _ => {}
            }
            let fa = self.facts.get(p.inst)?;
            if let Some((u, mm)) = fa.option {
                // An option (issue 18): value q·cs·M; a short's standard maintenance is
                // |q|·cs·(mm·S + M) (call) or |q|·cs·(max(mm·S, mm·M) + M) (put), so the group's
                // slope in M lies in [q·cs − |q·cs|(1 + mm), q·cs − |q·cs|] and in the underlying's
                // S in [−|q·cs|·mm, 0]; a long's is q·cs in M only. Bands on both marks: a move of
                // the underlying or of the volatility (through M) wakes the account.
                eps = eps.checked_add(POSITION_ROUNDING)?;
                let qcs = p.size.checked_mul(fa.cs)?;
                let fu = self.facts.get(u)?;
                if qcs.abs().checked_mul(fa.max_mark.max(fu.max_mark))? > NOTIONAL_CAP {
                    return None;
                }
                scale = scale.checked_add(qcs.checked_mul(m.mark(p.inst, t))?.abs())?.checked_add(qcs.checked_mul(m.mark(u, t))?.abs())?;
                let q = f(qcs);
                let aq = q.abs();
                if !q.is_finite() {
                    return None;
                }
                if p.size < Decimal::ZERO {
                    self.add_slope(p.inst, q - aq * (1.0 + mm), q - aq, aq * (2.0 + mm))?;
                    self.add_slope(u, -aq * mm, 0.0, aq * mm)?;
                } else {
                    self.add_slope(p.inst, q, q, aq)?;
                }
                continue;
            }
            if !fa.continuous || fa.funding == 2 {
                return None;
            }
            eps = eps.checked_add(POSITION_ROUNDING)?;
            let qcs = p.size.checked_mul(fa.cs)?;
            if qcs.abs().checked_mul(fa.max_mark)? > NOTIONAL_CAP {
                return None;
            }
            scale = scale.checked_add(qcs.checked_mul(m.mark(p.inst, t))?.abs())?;
            let (lo, hi, mag) = if fa.linear {
                // d/dP [q·cs·(P − EP) − mm(|q|·cs·P)] ∈ [q·cs − |q·cs|·mmr_hi, q·cs − |q·cs|·mmr_lo].
                let q = f(qcs);
                let aq = q.abs();
                (q - aq * fa.mmr_hi, q - aq * fa.mmr_lo, aq * (1.0 + fa.mmr_lo.abs().max(fa.mmr_hi.abs())))
            } else {
                // Inverse: PnL q·cs·(P − EP)/EP (rounded), maintenance on a fixed notional.
                if p.entry <= Decimal::ZERO {
                    return None;
                }
                eps = eps.checked_add(INVERSE_ROUNDING)?;
                let sl = f(qcs.checked_div(p.entry)?);
                (sl, sl, sl.abs())
            };
            if !(lo.is_finite() && hi.is_finite()) {
                return None;
            }
            if (fa.funding == 1 && p.size > Decimal::ZERO) || (fa.funding == -1 && p.size < Decimal::ZERO) {
                self.adverse.push((p.inst, p.size));
            }
            self.add_slope(p.inst, lo, hi, mag)?;
        }
        if only.is_none() {
            for (k, units) in snap.collateral.iter().enumerate().skip(1) {
                if units.is_zero() {
                    continue;
                }
                scale = scale.checked_add(units.checked_mul(m.asset_price(k, t))?.abs())?;
                eps = eps.checked_add(COLLATERAL_ROUNDING)?;
                let Some(i) = self.asset_inst.get(k).copied().flatten() else { continue };
                if units.abs().checked_mul(self.facts.get(i)?.max_mark)? > NOTIONAL_CAP {
                    return None;
                }
                // Value units·P, times (1 − haircut) when positive: slope between the two.
                let h = m.haircuts.get(k).copied().unwrap_or_default();
                let (u, uh) = (f(*units), f(units.checked_mul(Decimal::ONE.checked_sub(h)?)?));
                if !(u.is_finite() && uh.is_finite()) {
                    return None;
                }
                self.add_slope(i, u.min(uh), u.max(uh), u.abs().max(uh.abs()))?;
            }
        }
        // Rounding guard, then the budget: half to adverse funding when there is any.
        eps = eps.checked_add(scale.checked_mul(Decimal::new(1, 18))?)?;
        let s_eff = s.checked_sub(eps)?;
        if s_eff <= Decimal::ZERO {
            return None;
        }
        let s_price = if self.adverse.is_empty() { s_eff } else { s_eff.checked_div(Decimal::TWO)? };
        let s_fund = s_eff.checked_sub(s_price)?;
        let exposed = self
            .ginsts
            .iter()
            .filter(|&&i| self.slo.get(i).copied().unwrap_or(0.0) != 0.0 || self.shi.get(i).copied().unwrap_or(0.0) != 0.0)
            .count()
            .max(1);
        let budget = f(s_price) * (1.0 - 1e-12) / exposed as f64;
        if !(budget.is_finite() && budget > 0.0) {
            return None;
        }
        for idx in 0..self.ginsts.len() {
            let i = *self.ginsts.get(idx)?;
            let (slo, shi, mag) = (*self.slo.get(i)?, *self.shi.get(i)?, *self.mag.get(i)?);
            // Widen the slope bounds well past f64's error on the terms.
            let w = mag * 1e-12;
            let (slo, shi) = (slo - w, shi + w);
            let p0 = *self.facts.get(i)?.marks.get(t as usize)?;
            if shi > 0.0 {
                let mut lo = p0 - budget / shi * (1.0 - 1e-12);
                lo += (p0.abs() + lo.abs()) * 1e-15;
                let cur = self.lo.get_mut(i)?;
                *cur = cur.max(lo);
            }
            if slo < 0.0 {
                let mut hi = p0 + budget / -slo * (1.0 - 1e-12);
                hi -= (p0.abs() + hi.abs()) * 1e-15;
                let cur = self.hi.get_mut(i)?;
                *cur = cur.min(hi);
            }
        }
        // Funding: the first step at which adverse funding could exceed its half of the budget.
        if !self.adverse.is_empty() {
            let loss = |to: u32| -> Option<Decimal> {
                let mut l = Decimal::ZERO;
                for &(i, q) in &self.adverse {
                    let d = m.funding(i, to).checked_sub(m.funding(i, t))?;
                    l = l.checked_add(q.checked_mul(d)?)?;
                }
                Some(l)
            };
            if loss(self.steps)? > s_fund {
                // Loss is non-decreasing in the step: first step where it exceeds the budget.
                let (mut lo, mut hi) = (t, self.steps);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if loss(mid)? > s_fund {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                *expiry = (*expiry).min(hi);
            }
        }
        Some(())
    }
}
