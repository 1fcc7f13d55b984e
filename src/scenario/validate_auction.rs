//! Validation of the default auction (issue 19, `default_auction`): every error names the field
//! with its full path (`default_auction.bids[1].discount`); `validate::prepare` calls [`check`].
//! The number of bids is capped in `limits.rs`.

use super::domain::{self, RATE_DP};
use super::schema::*;
use super::ValidationError;
use rust_decimal::Decimal;

/// The auction's rules: a CCP venue; each bid from a listed member, once, a discount in [0, 1)
/// and a share in (0, 1].
pub fn check(s: &Scenario) -> Vec<ValidationError> {
    let mut e: Vec<ValidationError> = Vec::new();
    let Some(x) = &s.default_auction else { return e };
    let mut push = |path: String, msg: String| e.push(ValidationError { path, message: msg });
    if s.venue.style != VenueStyle::Ccp {
        push("default_auction".into(), "needs venue.style `ccp`: only a clearing house auctions a defaulter's portfolio to its members".into());
    }
    if let Some(m) = x.max_discount {
        if m.is_sign_negative() && !m.is_zero() || m >= Decimal::ONE {
            push("default_auction.max_discount".into(), format!("must be at least 0 and below 1 (got {m})"));
        } else if domain::too_many_places(m, RATE_DP) {
            push("default_auction.max_discount".into(), format!("at most {RATE_DP} decimal places (got {m})"));
        }
    }
    for (i, b) in x.bids.iter().enumerate().take(super::limits::MAX_AUCTION_BIDS) {
        let p = format!("default_auction.bids[{i}]");
        match s.accounts.iter().find(|a| a.id == b.member) {
            None => push(format!("{p}.member"), format!("no account `{}` in `accounts`", b.member)),
            Some(a) if a.role != Role::Member => push(format!("{p}.member"), format!("`{}` must have the role member to bid (it has {})", b.member, a.role.label())),
            Some(_) if x.bids[..i].iter().any(|c| c.member == b.member) => push(format!("{p}.member"), format!("`{}` has already bid (one bid per member)", b.member)),
            Some(_) => {}
        }
        if b.discount.is_sign_negative() && !b.discount.is_zero() || b.discount >= Decimal::ONE {
            push(format!("{p}.discount"), format!("must be at least 0 and below 1 (got {})", b.discount));
        } else if domain::too_many_places(b.discount, RATE_DP) {
            push(format!("{p}.discount"), format!("at most {RATE_DP} decimal places (got {})", b.discount));
        }
        if b.share <= Decimal::ZERO || b.share > Decimal::ONE {
            push(format!("{p}.share"), format!("must be above 0 and at most 1 (got {})", b.share));
        } else if domain::too_many_places(b.share, RATE_DP) {
            push(format!("{p}.share"), format!("at most {RATE_DP} decimal places (got {})", b.share));
        }
    }
    e
}
