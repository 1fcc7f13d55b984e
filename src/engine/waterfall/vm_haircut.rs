//! Variation-margin gains haircut (VMGH): the step's losses are cut from this step's VM gains, pro
//! rata; a window of several steps keeps collecting from later gains.

use crate::engine::money::EngineResult;
use crate::engine::state::{Pending, Sim};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

impl<'a> Sim<'a> {
    /// Source: Elliott, Bank of England Financial Stability Paper No. 20 (2013): VM gains haircut pro rata, h = min(1, shortfall / VM gains of the period) (domain.md §6).
    /// The payers of a VM-gains haircut: this step's gainers that can share, weighed by their gain.
    pub(in crate::engine) fn vm_gain_payers(&self, sharing: &BTreeSet<usize>) -> Vec<(usize, Decimal)> {
        self.side.vm_gainers.iter().map(|&i| i as usize).filter(|&i| self.can_share(i, sharing)).map(|i| (i, self.side.vm_gain.get(i))).filter(|x| x.1 > Decimal::ZERO).collect()
    }

    /// Pending VMGH windows collect from this step's gains, one split per layer; when a window
    /// closes, the rest of the loss goes on down the waterfall.
    pub(in crate::engine) fn collect_pending(&mut self, t: u32) -> EngineResult<()> {
        let mut pend = std::mem::take(&mut self.pending);
        while let Some(l) = pend.iter().map(|c| c.layer).min() {
            let (now, later): (Vec<Pending>, Vec<Pending>) = pend.into_iter().partition(|c| c.layer == l);
            pend = later;
            self.split_claims(t, l, now, true)?;
        }
        Ok(())
    }
}
