//! Partial tear-up: positions opposite the defaulter's book are terminated at mark and their open
//! gains forfeited pro rata to the loss.

use crate::engine::account::{position_value, Status};
use crate::engine::money::EngineResult;
use crate::engine::state::{Bankrupt, LayerKind, Sim};
use crate::engine::timeline::*;
use super::distribute::{distribute, DustTo, Split};
use crate::engine::explain::SplitRule;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CCP recovery tools, partial tear-up of the contracts opposite the unauctioned book (domain.md §6; CME Base since 2016).
    /// Tear-up: positions opposite the defaulter's are terminated at mark; their open gains are
    /// forfeited pro rata up to the loss.
    pub(in crate::engine) fn tear_up(&mut self, def: usize, t: u32, left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut gains: Vec<(usize, Decimal)> = Vec::new();
        for b in info {
            let mark = self.m.mark(b.inst, t);
            for i in self.survivors(def).collect::<Vec<_>>() {
                let Some(pidx) = self.accts[i].snap.positions.iter().position(|p| p.inst == b.inst) else { continue }; // ok: i < len
                let p = self.accts[i].snap.positions[pidx].clone(); // ok: found above
                if p.size.is_sign_negative() == b.size.is_sign_negative() {
                    continue;
                }
                let gain = position_value(&self.m, &p, t)?;
                let (r, iso) = self.close_part(i, pidx, p.size.abs(), mark, t)?;
                self.cash_add(i, r + iso)?;
                self.set_status(i, Status::TornUp);
                if gain > Decimal::ZERO {
                    match gains.iter_mut().find(|g| g.0 == i) {
                        Some(g) => g.1 += gain,
                        None => gains.push((i, gain)),
                    }
                }
            }
        }
        let total: Decimal = gains.iter().map(|g| g.1).sum();
        let take = left.min(total);
        if take.is_zero() {
            return Ok(Decimal::ZERO);
        }
        let Split { shares, dust } = distribute(take, &gains)?;
        self.split(t, self.layers.iter().position(|x| matches!(x.kind, LayerKind::TearUp)), SplitRule::TearUp, Some(def), take, total, None, &gains, &shares);
        let mut pay = Decimal::ZERO;
        for (i, sh) in shares {
            self.charge(i, def, t, sh, "gains forfeited in tear-up")?;
            pay += sh;
        }
        pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
        let msg = Msg::TearUp { count: gains.len(), pay };
        self.event(t, None, EventKind::TearUp, msg, Some(pay), None);
        Ok(pay)
    }
}
