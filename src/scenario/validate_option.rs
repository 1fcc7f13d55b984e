//! Validation of option instruments (issue 18): every error names the field
//! (`instruments[3].option.strike`, `instruments[3].option.on`, …). Kept apart from
//! `validate.rs` so the option rules read in one place; `validate::prepare` calls [`check`].

use super::domain::{self, *};
use super::schema::*;
use super::ValidationError;
use rust_decimal::Decimal;

/// Largest implied volatility a path may reach: 10.00 = 1,000 % a year (the wildest crypto
/// options have quoted a few hundred per cent); keeps Black-76's inputs far from f64's limits.
pub const VOL_MAX: Decimal = Decimal::TEN;
/// Largest calendar days per step: a step of a year at most.
pub const DAYS_PER_STEP_MAX: Decimal = Decimal::from_parts(365, 0, 0, false, 0);

/// Most points a volatility smile may have (a venue's chain quotes a few dozen strikes; the
/// smile's shape needs far fewer).
pub const SMILE_POINTS_MAX: usize = 32;
/// Largest moneyness K/F a smile point may name: a strike ten times the underlying.
pub const SMILE_MONEYNESS_MAX: Decimal = Decimal::TEN;
/// Decimal places of a smile's moneyness and added σ: σ's own grid, 0.0001.
pub const SMILE_DP: u32 = 4;

/// A price path the generic instrument checks read in place of an option's own (ignored) `price`.
pub(super) static IGNORED_PATH: PricePath = PricePath { initial: Decimal::ONE, points: Vec::new(), shocks: Vec::new(), gbm: None };

/// The option rules, over the whole scenario.
pub fn check(s: &Scenario) -> Vec<ValidationError> {
    let mut e: Vec<ValidationError> = Vec::new();
    let mut push = |path: String, msg: String| e.push(ValidationError { path, message: msg });
    for (i, ins) in s.instruments.iter().enumerate() {
        let Some(o) = &ins.option else { continue };
        let p = format!("instruments[{i}]");
        let op = format!("{p}.option");
        // The underlying: another instrument, itself not an option.
        match s.instruments.iter().position(|x| x.id == o.on) {
            None => push(format!("{op}.on"), format!("no instrument `{}`", o.on)),
            Some(u) if u == i => push(format!("{op}.on"), "an option cannot be on itself".into()),
            Some(u) => {
                let und = &s.instruments[u]; // ok: u found by position()
                if und.option.is_some() {
                    push(format!("{op}.on"), format!("`{}` is an option: an option on an option is not supported", o.on));
                }
                if let (Some(ux), Some(ox)) = (&und.expiry, &ins.expiry) {
                    let physical = ox.settlement == SettlementKind::Physical;
                    if ux.step < ox.step || (physical && ux.step == ox.step) {
                        push(
                            format!("{op}.on"),
                            format!(
                                "`{}` expires at step {}, {} the option (step {}): the underlying must outlive {}",
                                o.on,
                                ux.step,
                                if ux.step < ox.step { "before" } else { "with" },
                                ox.step,
                                if physical { "a physically settled option" } else { "the option" }
                            ),
                        );
                    }
                }
            }
        }
        if ins.expiry.is_none() {
            push(format!("{p}.expiry"), "an option needs an expiry (its step, cash or physical settlement)".into());
        }
        if ins.kind != ContractKind::Linear {
            push(format!("{p}.kind"), "an option is valued in the quote currency: leave `kind` linear and set option.premium to `coin` for a coin-settled option".into());
        }
        if !ins.funding_rate.is_zero() {
            push(format!("{p}.funding_rate"), "an option pays no funding: must be 0".into());
        }
        if !ins.price.points.is_empty() || !ins.price.shocks.is_empty() || ins.price.gbm.is_some() {
            push(format!("{p}.price"), "an option's marks come from option.on and option.volatility: leave `price` out".into());
        }
        // Strike: a price of the domain.
        if o.strike <= Decimal::ZERO {
            push(format!("{op}.strike"), format!("must be positive (got {})", o.strike));
        } else if o.strike > PRICE_MAX {
            push(format!("{op}.strike"), format!("at most {} (got {})", domain::show(PRICE_MAX), o.strike));
        } else if too_many_places(o.strike, PRICE_DP) {
            push(format!("{op}.strike"), format!("at most {PRICE_DP} decimal places (got {})", o.strike));
        }
        if o.days_per_step <= Decimal::ZERO || o.days_per_step > DAYS_PER_STEP_MAX {
            push(format!("{op}.days_per_step"), format!("must be above 0 and at most 365 (got {})", o.days_per_step));
        } else if too_many_places(o.days_per_step, RATE_DP) {
            push(format!("{op}.days_per_step"), format!("at most {RATE_DP} decimal places (got {})", o.days_per_step));
        }
        // The volatility path: positive σ, at most VOL_MAX, scripted like a price path.
        let vp = format!("{op}.volatility");
        let v = &o.volatility;
        let sigma = |x: Decimal| -> Option<String> {
            if x <= Decimal::ZERO || x > VOL_MAX {
                Some(format!("must be above 0 and at most {VOL_MAX} (= 1,000 %; got {x})"))
            } else if too_many_places(x, RATE_DP) {
                Some(format!("at most {RATE_DP} decimal places (got {x})"))
            } else {
                None
            }
        };
        if let Some(m) = sigma(v.initial) {
            push(format!("{vp}.initial"), m);
        }
        let mut last = 0u32;
        for (k, pt) in v.points.iter().enumerate() {
            if pt.step <= last && !(k == 0 && pt.step > 0) {
                push(format!("{vp}.points[{k}].step"), "steps must increase and start after 0".into());
            }
            if pt.step > s.steps {
                push(format!("{vp}.points[{k}].step"), format!("beyond the last step {}", s.steps));
            }
            if let Some(m) = sigma(pt.price) {
                push(format!("{vp}.points[{k}].price"), m);
            }
            last = pt.step;
        }
        for (k, sh) in v.shocks.iter().enumerate() {
            if sh.change <= -Decimal::ONE || sh.change > Decimal::ONE_HUNDRED {
                push(format!("{vp}.shocks[{k}].change"), format!("must be above −1 and at most 100 (got {})", sh.change));
            } else if too_many_places(sh.change, RATE_DP) {
                push(format!("{vp}.shocks[{k}].change"), format!("at most {RATE_DP} decimal places (got {})", sh.change));
            }
            if sh.step > s.steps {
                push(format!("{vp}.shocks[{k}].step"), format!("beyond the last step {}", s.steps));
            }
        }
        // The smile: at most SMILE_POINTS_MAX points of moneyness K/F, strictly increasing in
        // (0, SMILE_MONEYNESS_MAX], each adding between −VOL_MAX and VOL_MAX to σ, on σ's grid
        // of 0.0001 (4 places).
        if o.smile.len() > SMILE_POINTS_MAX {
            push(format!("{op}.smile"), format!("at most {SMILE_POINTS_MAX} points (got {})", o.smile.len()));
        }
        let mut prev: Option<Decimal> = None;
        for (k, pt) in o.smile.iter().enumerate() {
            let sp = format!("{op}.smile[{k}]");
            if pt.moneyness <= Decimal::ZERO || pt.moneyness > SMILE_MONEYNESS_MAX {
                push(format!("{sp}.moneyness"), format!("must be above 0 and at most {SMILE_MONEYNESS_MAX} (moneyness is strike / underlying; got {})", pt.moneyness));
            } else if too_many_places(pt.moneyness, SMILE_DP) {
                push(format!("{sp}.moneyness"), format!("at most {SMILE_DP} decimal places (got {})", pt.moneyness));
            } else if prev.is_some_and(|m| pt.moneyness <= m) {
                push(format!("{sp}.moneyness"), format!("points must be sorted by increasing moneyness ({} follows {})", pt.moneyness, prev.unwrap_or_default()));
            }
            prev = Some(pt.moneyness);
            if pt.add < -VOL_MAX || pt.add > VOL_MAX {
                push(format!("{sp}.add"), format!("must be between −{VOL_MAX} and {VOL_MAX} (got {})", pt.add));
            } else if too_many_places(pt.add, SMILE_DP) {
                push(format!("{sp}.add"), format!("at most {SMILE_DP} decimal places, σ's grid of 0.0001 (got {})", pt.add));
            }
        }
        // A random σ path (ignored when there are points, as a price's): per-step drift and
        // volatility of σ itself, in the ranges a price's GBM has.
        if let Some(g) = &v.gbm {
            if g.volatility < Decimal::ZERO || g.volatility > Decimal::ONE {
                push(format!("{vp}.gbm.volatility"), format!("must be between 0 and 1 (got {})", g.volatility));
            } else if too_many_places(g.volatility, RATE_DP) {
                push(format!("{vp}.gbm.volatility"), format!("at most {RATE_DP} decimal places (got {})", g.volatility));
            }
            if g.drift < -Decimal::ONE || g.drift > Decimal::ONE {
                push(format!("{vp}.gbm.drift"), format!("must be between −1 and 1 (got {})", g.drift));
            } else if too_many_places(g.drift, RATE_DP) {
                push(format!("{vp}.gbm.drift"), format!("at most {RATE_DP} decimal places (got {})", g.drift));
            }
        }
    }
    // Positions and cohorts on options.
    let is_option = |id: &str| s.instruments.iter().any(|x| x.id == id && x.option.is_some());
    for (i, a) in s.accounts.iter().enumerate() {
        for (k, pos) in a.positions.iter().enumerate() {
            if !is_option(&pos.instrument) {
                continue;
            }
            if a.margin_mode == MarginMode::Isolated || pos.isolated_margin.is_some() {
                push(format!("accounts[{i}].positions[{k}].isolated_margin"), "an option position is cross-margined: the premium is paid from the account's cash".into());
            }
        }
    }
    for (i, c) in s.cohorts.iter().enumerate() {
        if is_option(&c.instrument) {
            push(format!("cohorts[{i}].instrument"), format!("`{}` is an option: list option accounts in `accounts`", c.instrument));
        }
    }
    e
}
