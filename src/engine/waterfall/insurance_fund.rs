//! The venue's insurance fund: filled by liquidation penalties (`liquidation.rs`), drained by
//! deficits here.

use crate::engine::ledger::names;
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: BitMEX, "What is Auto-Deleveraging": a close beyond the bankruptcy price is paid by the insurance fund (domain.md §4).
    /// Pays what the fund holds of `left`.
    pub(in crate::engine) fn insurance_fund(&mut self, def: usize, t: u32, left: Decimal) -> EngineResult<Decimal> {
        let pay = left.min(self.insurance.max(Decimal::ZERO));
        self.insurance -= pay;
        self.credit_def(def, t, self.vn(names::INSURANCE), pay, "insurance fund".into())?;
        Ok(pay)
    }
}
