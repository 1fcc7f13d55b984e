//! LP-vault haircut: a backstop vault (an account of the book) takes the loss; its depositors'
//! shares lose value.

use crate::engine::account::{valuate, Status};
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Hyperliquid's HLP liquidator vault and Mango Markets' depositors, 2022 (domain.md, "Crypto and on-chain").
    /// Vault `v` pays up to its equity, unless it is the defaulter or has defaulted itself.
    pub(in crate::engine) fn lp_vault(&mut self, def: usize, t: u32, l: usize, v: usize, left: Decimal) -> EngineResult<Decimal> {
        let mut pay = Decimal::ZERO;
        if v != def && !self.accts[v].defaulter {
            // ok: v resolved at setup
            let a = &self.accts[v]; // ok
            let eq = valuate(&self.m, self.m.pm(v), &a.snap.collateral, &a.snap.positions, t)?.equity;
            pay = left.min(eq.max(Decimal::ZERO));
            if pay > Decimal::ZERO {
                self.charge(v, def, t, pay, "backstop vault")?;
                self.set_status(v, Status::HaircutApplied);
                let msg = Msg::Vault { name: self.who(v), pay };
                self.event(t, Some(v), EventKind::Haircut, msg, Some(pay), Some(l));
            }
        }
        Ok(pay)
    }
}
