//! Socialized loss (clawback): the step's losses are taken from accounts in profit since step 0,
//! pro rata to profit.

use crate::engine::account::valuate;
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

impl<'a> Sim<'a> {
    /// Source: OKEx's clawback, 31 Jul–3 Aug 2018: users with a net profit give up an equal percentage of it, rate = loss / total profit ≤ 100 % (domain.md §5).
    /// The payers of a socialized-loss split at step `t`: every account that can share, in profit
    /// since step 0, weighed by that profit (in index order).
    pub(in crate::engine) fn socialized_payers(&mut self, t: u32, sharing: &BTreeSet<usize>) -> EngineResult<Vec<(usize, Decimal)>> {
        self.value_profits(t)?;
        let profits = &self.profits;
        Ok(profits.positive.iter().copied().filter(|&i| self.can_share(i, sharing)).map(|i| (i, profits.profit.get(i).copied().unwrap_or_default())).collect())
    }

    /// Bring the profit cache to step `t`: the whole book at the step's first call, else the
    /// accounts changed since the last (`ProfitCache`). Accounts out of the run drop out.
    pub(in crate::engine) fn value_profits(&mut self, t: u32) -> EngineResult<()> {
        let n = self.accts.len();
        let mut stale = std::mem::take(&mut self.profits.stale);
        let all = self.profits.step != Some(t);
        if all {
            self.profits.step = Some(t);
            self.profits.profit = vec![Decimal::ZERO; n];
            self.profits.is_stale = vec![false; n];
            self.profits.positive.clear();
            stale.clear();
        } else {
            for &a in &stale {
                if let Some(x) = self.profits.is_stale.get_mut(a as usize) {
                    *x = false;
                }
            }
        }
        let value = |sim: &mut Self, i: usize| -> EngineResult<()> {
            let a = &sim.accts[i]; // ok: i < n (book indices)
            let profit = if a.defaulter || a.snap.status.is_out() {
                Decimal::ZERO
            } else {
                valuate(&sim.m, sim.m.pm(i), &a.snap.collateral, &a.snap.positions, t)?.equity - sim.side.start_equity.get(i)
            };
            if let Some(x) = sim.profits.profit.get_mut(i) {
                *x = profit;
            }
            if profit > Decimal::ZERO {
                sim.profits.positive.insert(i);
            } else {
                sim.profits.positive.remove(&i);
            }
            Ok(())
        };
        if all {
            for i in 0..n {
                value(self, i)?;
            }
        } else {
            for &a in &stale {
                value(self, a as usize)?;
            }
        }
        stale.clear();
        self.profits.stale = stale;
        Ok(())
    }
}
