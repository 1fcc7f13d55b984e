//! Skin in the game: the clearing house's own capital, junior (before the survivors' fund) or
//! senior (after it).

use crate::engine::ledger::names;
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: EMIR RTS 153/2013 Art. 35 (own resources before survivors' contributions); Eurex Clearing's junior and further own resources (domain.md §6).
    /// Layer `l` pays what is left of its tranche (its temporary capital included), up to `left`.
    pub(in crate::engine) fn skin_in_the_game(&mut self, def: usize, t: u32, l: usize, left: Decimal) -> EngineResult<Decimal> {
        let pay = left.min(self.layers[l].sig_left); // ok: l < len
        self.layers[l].sig_left -= pay; // ok: l < len
        // Temporary capital put into the layer (`capital_injections`) pays first.
        self.use_temporary(l, pay);
        self.credit_def(def, t, self.vn(names::CCP_CAPITAL), pay, "skin in the game".into())?;
        Ok(pay)
    }
}
