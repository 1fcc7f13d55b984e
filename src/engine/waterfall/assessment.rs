//! Assessments: capped cash calls on the surviving members; a member who cannot pay its call
//! defaults in turn (a cascade).

use super::distribute::{distribute, DustTo, Split};
use crate::engine::ledger::{names, Name};
use crate::engine::money::{sum_c, to_money, Checked, EngineResult};
use crate::engine::state::Sim;
use crate::engine::timeline::*;
use crate::engine::explain::SplitRule;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CME's assessment powers (2.75× the fund) and Eurex Clearing's (up to 2× a member's contribution per capped period), domain.md §6.
    /// Layer `l`'s next call, if it has calls left: each survivor is called pro rata to what it can
    /// still be called for (cap × contribution − assessed so far) and pays from its reserves.
    pub(in crate::engine) fn assessment(&mut self, def: usize, t: u32, l: usize, left: Decimal, cap: Decimal, max_calls: u32) -> EngineResult<Decimal> {
        let mut pay = Decimal::ZERO;
        if self.layers[l].calls_used >= max_calls {
            // ok: l < len
            return Ok(pay);
        }
        self.layers[l].calls_used += 1; // ok: l < len
        // What each survivor can still be called for: cap × contribution − assessed.
        let w: Vec<(usize, Decimal)> = self
            .contributing_survivors(def)
            .filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO)
            .map(|i| {
                let cap_i = to_money(cap.mul_c(self.side.contribution0.get(i), "assessment cap (cap_multiple × contribution)")?);
                Ok((i, cap_i.sub_c(self.side.assessed.get(i), "assessment cap")?.max(Decimal::ZERO)))
            })
            .collect::<EngineResult<_>>()?;
        let total = sum_c(w.iter().map(|x| x.1), "assessment capacity")?;
        let call = left.min(total);
        let Split { shares, dust } = distribute(call, &w)?;
        self.split(t, l, SplitRule::Assessment, Some(def), call, total, Some(cap), &w, &shares);
        let mut all_paid = true;
        for (i, sh) in shares {
            let can = sh.min(self.accts[i].reserves); // ok: from survivors()
            self.accts[i].reserves -= can; // ok
            let n = self.accts.len();
            let assessed = self.side.assessed.get(i).add_c(can, "assessments paid")?;
            self.side.assessed.set(i, assessed, n);
            self.accts[i].snap.loss += can; // ok
            self.touch(i);
            let memo = format!("assessment paid by {}", self.name(i));
            let from = names::reserves(&self.infos[i].id); // ok: i < len
            self.credit_def(def, t, Name::from(from), can, memo.into())?;
            pay += can;
            let msg = Msg::Assessment { name: self.who(i), called: sh, paid: can };
            self.event(t, Some(i), EventKind::Assessment, msg, Some(can), Some(l));
            if can < sh {
                all_paid = false;
                self.cascades += 1;
                self.queue.push_back((i, true));
                let msg = Msg::AssessmentShort { name: self.who(i), short: sh - can };
                self.event(t, Some(i), EventKind::Cascade, msg, Some(sh - can), Some(l));
            }
        }
        // A call someone could not pay leaves its dust in the loss that goes on.
        if all_paid {
            pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
        }
        Ok(pay)
    }
}
