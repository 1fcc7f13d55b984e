//! The defaulter's margin: the first resource of every waterfall (the engine puts it first when a
//! waterfall leaves it out).

use crate::engine::state::Sim;
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CPMI-IOSCO PFMI Principle 13 and CCP disclosures, "defaulter's initial margin first" (domain.md §6); BitMEX's liquidation engine (§4).
    /// The margin the close-out used (`margin_used`) is drawn on layer `l`, before any other layer:
    /// it is the defaulter's own loss.
    pub(in crate::engine) fn defaulter_margin(&mut self, def: usize, t: u32, l: usize, margin_used: Decimal) {
        if margin_used <= Decimal::ZERO {
            return;
        }
        self.layers[l].drawn += margin_used; // ok: l found by position()
        self.layers_dirty = true;
        self.accts[def].snap.loss += margin_used; // ok: def < len
        self.touch(def);
        let msg = Msg::OwnMargin { name: self.who(def), amount: margin_used };
        self.event(t, Some(def), EventKind::LayerDrawn, msg, Some(margin_used), Some(l));
    }
}
