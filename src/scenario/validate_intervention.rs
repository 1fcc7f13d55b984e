//! Validation of the venue's interventions in a run (issue 19): trade cancellations, withdrawals,
//! recoveries, capital injections and the backstop vault. Every error names the field (`trade_cancellations[1].to`,
//! `withdrawals[0].account`, `venue.backstop_vault`); `validate::prepare` calls [`check`]. Their
//! counts are capped in `limits.rs`.

use super::domain::{self, AMOUNT_DP, AMOUNT_MAX};
use super::schema::*;
use super::ValidationError;
use rust_decimal::Decimal;

/// The intervention rules, over the whole scenario.
pub fn check(s: &Scenario) -> Vec<ValidationError> {
    let mut e: Vec<ValidationError> = Vec::new();
    let mut push = |path: String, msg: String| e.push(ValidationError { path, message: msg });

    // Cancellations: in order, apart, inside the run, each followed by the step that applies it.
    let mut last_to: Option<u32> = None;
    for (i, c) in s.trade_cancellations.iter().enumerate().take(super::limits::MAX_TRADE_CANCELLATIONS) {
        let p = format!("trade_cancellations[{i}]");
        if c.from == 0 {
            push(format!("{p}.from"), "must be at least 1 (step 0 is the opening book, not a trade)".into());
        }
        if c.to < c.from {
            push(format!("{p}.to"), format!("must be at least from ({})", c.from));
        }
        if c.to >= s.steps {
            push(format!("{p}.to"), format!("must be before the last step ({}): the cancellation acts at the step after the range", s.steps));
        }
        if let Some(prev) = last_to {
            if c.from <= prev {
                push(format!("{p}.from"), format!("must come after the previous range, which ends at step {prev}"));
            }
        }
        last_to = Some(last_to.map_or(c.to, |x| x.max(c.to)));
    }

    // Withdrawals: a listed account, within the run, a positive amount of money.
    for (i, w) in s.withdrawals.iter().enumerate().take(super::limits::MAX_WITHDRAWALS) {
        let p = format!("withdrawals[{i}]");
        if !s.accounts.iter().any(|a| a.id == w.account) {
            push(format!("{p}.account"), format!("no account `{}` in `accounts`", w.account));
        }
        if w.step > s.steps {
            push(format!("{p}.step"), format!("must be at most steps ({})", s.steps));
        }
        if w.amount <= Decimal::ZERO {
            push(format!("{p}.amount"), format!("must be positive (got {})", w.amount));
        } else if w.amount > AMOUNT_MAX {
            push(format!("{p}.amount"), format!("at most {} (got {})", domain::show(AMOUNT_MAX), w.amount));
        } else if domain::too_many_places(w.amount, AMOUNT_DP) {
            push(format!("{p}.amount"), format!("at most {AMOUNT_DP} decimal places (got {})", w.amount));
        }
    }

    // Recoveries: from a listed account, within the run, a positive amount of money.
    for (i, r) in s.recoveries.iter().enumerate().take(super::limits::MAX_RECOVERIES) {
        let p = format!("recoveries[{i}]");
        if !s.accounts.iter().any(|a| a.id == r.from) {
            push(format!("{p}.from"), format!("no account `{}` in `accounts`", r.from));
        }
        if r.step > s.steps {
            push(format!("{p}.step"), format!("must be at most steps ({})", s.steps));
        }
        if r.amount <= Decimal::ZERO {
            push(format!("{p}.amount"), format!("must be positive (got {})", r.amount));
        } else if r.amount > AMOUNT_MAX {
            push(format!("{p}.amount"), format!("at most {} (got {})", domain::show(AMOUNT_MAX), r.amount));
        } else if domain::too_many_places(r.amount, AMOUNT_DP) {
            push(format!("{p}.amount"), format!("at most {AMOUNT_DP} decimal places (got {})", r.amount));
        }
    }

    // Capital injections: within the run, a positive amount of money, a stay of at least one
    // step, into a skin-in-the-game layer of that tranche the waterfall lists (the capital has
    // nowhere else to sit; a rule set without that layer, in compare mode, runs without it).
    for (i, c) in s.capital_injections.iter().enumerate().take(super::limits::MAX_CAPITAL_INJECTIONS) {
        let p = format!("capital_injections[{i}]");
        if c.step > s.steps {
            push(format!("{p}.step"), format!("must be at most steps ({})", s.steps));
        }
        if c.amount <= Decimal::ZERO {
            push(format!("{p}.amount"), format!("must be positive (got {})", c.amount));
        } else if c.amount > AMOUNT_MAX {
            push(format!("{p}.amount"), format!("at most {} (got {})", domain::show(AMOUNT_MAX), c.amount));
        } else if domain::too_many_places(c.amount, AMOUNT_DP) {
            push(format!("{p}.amount"), format!("at most {AMOUNT_DP} decimal places (got {})", c.amount));
        }
        if c.steps == Some(0) {
            push(format!("{p}.steps"), "must be at least 1 (absent: the capital stays to the end of the run)".into());
        }
        if !s.waterfall.iter().any(|l| matches!(l, LayerSpec::SkinInTheGame { tranche, .. } if *tranche == c.tranche)) {
            let t = c.tranche.as_str();
            push(format!("{p}.tranche"), format!("the waterfall has no skin_in_the_game layer with tranche `{t}` to hold it (add one, with amount 0 if the clearing house commits nothing before)"));
        }
    }

    // The backstop vault: a listed `lp_vault` account on an exchange.
    if let Some(v) = &s.venue.backstop_vault {
        let p = "venue.backstop_vault".to_string();
        match s.accounts.iter().find(|a| &a.id == v) {
            None => push(p, format!("no account `{v}` in `accounts`")),
            Some(a) if a.role != Role::LpVault => push(p, format!("`{v}` must have the role lp_vault (it has {})", a.role.label())),
            Some(_) if s.venue.style != VenueStyle::Exchange => {
                push(p, "a backstop vault takes over liquidations: only an exchange liquidates (a clearing house auctions)".into())
            }
            Some(_) => {}
        }
    }
    e
}
