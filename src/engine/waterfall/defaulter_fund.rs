//! The defaulter's own default-fund contribution.

use crate::engine::ledger::names;
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CCP disclosures, e.g. CME Clearing's financial safeguards, "defaulter's guaranty fund contribution" second (domain.md §6).
    /// Pays what the defaulter's contribution holds of `left`.
    pub(in crate::engine) fn defaulter_fund(&mut self, def: usize, t: u32, left: Decimal) -> EngineResult<Decimal> {
        let pay = left.min(self.accts[def].snap.contribution); // ok: def < len
        self.accts[def].snap.contribution -= pay; // ok: def < len
        self.accts[def].snap.loss += pay; // ok: def < len
        self.credit_def(def, t, self.vn(names::DEFAULT_FUND), pay, "defaulter's own fund contribution".into())?;
        Ok(pay)
    }
}
