//! An option's marks through a run: Black-76 on the underlying's marks at the option's own
//! implied-volatility path, rounded to the option's tick before any money sees them; at and after
//! expiry, the payoff at the expiry step's underlying mark (margin-models.md §0, §1, §6). Pure: the
//! scenario layer supplies the two series.

use super::black76::{payoff, Black76, Greeks, OptionKind, PremiumIn};
use super::normal::{to_decimal, to_f64};
use crate::engine::money::{EngineError, EngineResult};
use rust_decimal::{Decimal, RoundingStrategy};

/// The terms that fix an option's marks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionTerms {
    pub kind: OptionKind,
    /// Premium and payoff in the quote currency, or in coin (value / underlying mark).
    pub premium_in: PremiumIn,
    pub strike: Decimal,
    /// The step at which the option expires and settles.
    pub expiry_step: u32,
    /// Calendar days one step spans: T = (expiry_step − t) × days_per_step / 365.
    pub days_per_step: Decimal,
    /// The option's tick (Deribit: 0.0001 BTC; a quote tick for USD options).
    pub tick: Decimal,
}

fn invalid(field: &str, why: String) -> EngineError {
    EngineError::Invalid { errors: vec![format!("option.{field}: {why}")] }
}

/// `x` rounded half-to-even to a multiple of `tick` (≥ 0; an option may be worth nothing).
fn to_tick(x: Decimal, tick: Decimal) -> EngineResult<Decimal> {
    let k = x.checked_div(tick).ok_or_else(|| invalid("tick", "division overflow".into()))?;
    let k = k.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    k.checked_mul(tick).map(|m| m.max(Decimal::ZERO).normalize()).ok_or_else(|| invalid("tick", "overflow".into()))
}

/// Source: Black (1976) valued step by step (margin-models.md §1); marks rounded to the tick
/// before money, payoff at expiry per Deribit "Options" / "Inverse Options" (§0): for t < expiry,
/// mark_t = tick-round(Black-76(F_t, K, σ_t, T_t)) (÷ F_t in coin); for t ≥ expiry, the payoff at
/// F_expiry (the delivery price), tick-rounded. `underlying` and `vol` are marks per step (σ
/// annualised, e.g. 0.6).
pub fn option_marks(terms: &OptionTerms, underlying: &[Decimal], vol: &[Decimal]) -> EngineResult<Vec<Decimal>> {
    if underlying.len() != vol.len() {
        return Err(invalid("volatility", format!("{} vol marks for {} underlying marks", vol.len(), underlying.len())));
    }
    if terms.tick <= Decimal::ZERO {
        return Err(invalid("tick", "must be > 0".into()));
    }
    if terms.days_per_step <= Decimal::ZERO {
        return Err(invalid("days_per_step", "must be > 0".into()));
    }
    if terms.strike <= Decimal::ZERO {
        return Err(invalid("strike", "must be > 0".into()));
    }
    let strike = to_f64(terms.strike);
    let days = to_f64(terms.days_per_step);
    let expiry = terms.expiry_step as usize;
    let settle = underlying.get(expiry.min(underlying.len().saturating_sub(1))).map(|s| to_f64(*s));
    underlying
        .iter()
        .zip(vol)
        .enumerate()
        .map(|(t, (f, s))| {
            let f = to_f64(*f);
            let value = if t >= expiry {
                let s = settle.unwrap_or(f);
                if s <= 0.0 {
                    return Err(invalid("underlying", format!("the delivery price at step {expiry} must be > 0")));
                }
                payoff(terms.kind, terms.premium_in, strike, s)
            } else {
                let years = (terms.expiry_step as f64 - t as f64) * days / 365.0;
                let o = Black76 { kind: terms.kind, forward: f, strike, years, sigma: to_f64(*s), rate: 0.0 };
                let usd = o.price().map_err(|e| match e {
                    EngineError::Invalid { errors } => EngineError::Invalid { errors: errors.into_iter().map(|m| format!("{m} (step {t})")).collect() },
                    other => other,
                })?;
                match terms.premium_in {
                    PremiumIn::Quote => usd,
                    PremiumIn::Coin => usd / f,
                }
            };
            let d = to_decimal(value, 18).ok_or_else(|| invalid("mark", format!("not finite at step {t}")))?;
            to_tick(d, terms.tick)
        })
        .collect()
}

/// A position's greeks: one contract's greeks × size × contract size (delta in underlying units,
/// gamma per unit of underlying price, vega per 1.00 of σ, theta per year).
pub fn position_greeks(one: Greeks, units: Decimal) -> Greeks {
    let u = to_f64(units);
    Greeks { price: one.price * u, delta: one.delta * u, gamma: one.gamma * u, vega: one.vega * u, theta: one.theta * u }
}

/// An account's greeks: the sum of its positions' (a future contributes its units to delta only).
pub fn account_greeks<I: IntoIterator<Item = Greeks>>(positions: I) -> Greeks {
    positions.into_iter().fold(Greeks { price: 0.0, delta: 0.0, gamma: 0.0, vega: 0.0, theta: 0.0 }, |a, g| Greeks {
        price: a.price + g.price,
        delta: a.delta + g.delta,
        gamma: a.gamma + g.gamma,
        vega: a.vega + g.vega,
        theta: a.theta + g.theta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn terms(kind: OptionKind, premium_in: PremiumIn, tick: &str) -> OptionTerms {
        OptionTerms { kind, premium_in, strike: d("65000"), expiry_step: 30, days_per_step: Decimal::ONE, tick: d(tick) }
    }

    #[test]
    fn marks_are_black76_rounded_to_the_tick_then_the_payoff() {
        // F 60,000 flat for 30 daily steps, then 70,000 at expiry; σ 0.6.
        let mut f = vec![d("60000"); 31];
        f.push(d("70000"));
        f[30] = d("70000");
        let vol = vec![d("0.6"); 32];
        let usd = option_marks(&terms(OptionKind::Call, PremiumIn::Quote, "0.5"), &f, &vol).unwrap();
        // Step 0: 2,237.868155 (§1) → 2,238.0 on a 0.5 tick; at and after expiry: 70,000 − 65,000.
        assert_eq!(usd[0], d("2238"));
        assert_eq!((usd[30], usd[31]), (d("5000"), d("5000")));
        let coin = option_marks(&terms(OptionKind::Call, PremiumIn::Coin, "0.0001"), &f, &vol).unwrap();
        // 0.0372978026 BTC → 0.0373; expiry 5,000 / 70,000 = 0.0714285… → 0.0714.
        assert_eq!(coin[0], d("0.0373"));
        assert_eq!(coin[30], d("0.0714"));
        // Time decays toward expiry: the marks fall while F and σ hold.
        assert!(usd[29] < usd[20] && usd[20] < usd[0]);
    }

    #[test]
    fn worthless_at_expiry_is_zero_not_a_tick() {
        let f = vec![d("60000"); 31];
        let vol = vec![d("0.6"); 31];
        let m = option_marks(&terms(OptionKind::Call, PremiumIn::Quote, "0.5"), &f, &vol).unwrap();
        assert_eq!(m[30], Decimal::ZERO);
        let put = option_marks(&terms(OptionKind::Put, PremiumIn::Quote, "0.5"), &f, &vol).unwrap();
        assert_eq!(put[30], d("5000"));
    }

    #[test]
    fn bad_inputs_name_the_field() {
        let f = vec![d("60000"); 3];
        let t = terms(OptionKind::Call, PremiumIn::Quote, "0.5");
        assert!(option_marks(&t, &f, &f[..2]).unwrap_err().to_string().contains("option.volatility"));
        assert!(option_marks(&OptionTerms { tick: Decimal::ZERO, ..t }, &f, &f).unwrap_err().to_string().contains("option.tick"));
        assert!(option_marks(&OptionTerms { strike: Decimal::ZERO, ..t }, &f, &f).unwrap_err().to_string().contains("option.strike"));
        let e = option_marks(&t, &f, &[d("0.5"), d("-0.1"), d("0.5")]).unwrap_err().to_string();
        assert!(e.contains("option.sigma") && e.contains("step 1"), "{e}");
    }

    #[test]
    fn account_greeks_add_positions() {
        let one = Black76 { kind: OptionKind::Call, forward: 60000.0, strike: 65000.0, years: 30.0 / 365.0, sigma: 0.6, rate: 0.0 }.greeks().unwrap();
        let short = position_greeks(one, d("-2"));
        let hedge = Greeks { price: 0.0, delta: 0.7, gamma: 0.0, vega: 0.0, theta: 0.0 };
        let acct = account_greeks([short, hedge]);
        // −2 × 0.3522260125 + 0.7 = −0.004452025; gamma −2 × 3.597077737e-5.
        assert!((acct.delta - -0.004452025).abs() < 1e-9);
        assert!((acct.gamma - -7.194155474e-5).abs() < 1e-13);
        assert!((acct.vega - -12772.089718).abs() < 1e-5);
    }
}
