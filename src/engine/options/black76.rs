//! Black-76: European options on a future or forward, their greeks, and the coin ("inverse")
//! premium of a coin-settled option (margin-models.md §0, §1).

use super::normal::{exp, ln, norm_cdf, norm_pdf, sqrt};
use crate::engine::money::{EngineError, EngineResult};
use serde::{Deserialize, Serialize};

/// A call (right to buy the underlying future at the strike) or a put (right to sell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    Call,
    Put,
}

/// What a premium and a payoff are paid in: the quote currency (USD) or the underlying coin
/// (Deribit's inverse options: value_coin = value_USD / index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PremiumIn {
    Quote,
    Coin,
}

/// Inputs of one valuation. `years` = calendar days / 365; `sigma` annualised (0.6 = 60 %);
/// `rate` continuously compounded (0 for crypto).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Black76 {
    pub kind: OptionKind,
    pub forward: f64,
    pub strike: f64,
    pub years: f64,
    pub sigma: f64,
    pub rate: f64,
}

/// Price and greeks, per 1 unit of underlying, in the quote currency. `vega` per 1.00 of σ
/// (÷ 100 per vol point); `theta` = dV/dt per year of calendar time (÷ 365 per day), so negative
/// for a long option when r = 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Greeks {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub vega: f64,
    pub theta: f64,
}

fn invalid(field: &str, why: &str) -> EngineError {
    EngineError::Invalid { errors: vec![format!("option.{field}: {why}")] }
}

impl Black76 {
    /// The inputs checked: forward and strike > 0, years and sigma ≥ 0, all finite. Errors name
    /// the field.
    pub fn checked(self) -> EngineResult<Self> {
        let finite_pos = |v: f64| v.is_finite() && v > 0.0;
        let finite_nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if !finite_pos(self.forward) {
            return Err(invalid("forward", "must be a finite number > 0"));
        }
        if !finite_pos(self.strike) {
            return Err(invalid("strike", "must be a finite number > 0"));
        }
        if !finite_nonneg(self.years) {
            return Err(invalid("years", "must be a finite number ≥ 0"));
        }
        if !finite_nonneg(self.sigma) {
            return Err(invalid("sigma", "must be a finite number ≥ 0"));
        }
        if !self.rate.is_finite() {
            return Err(invalid("rate", "must be a finite number"));
        }
        Ok(self)
    }

    /// Source: Black (1976), "The pricing of commodity contracts"; formulas as in SAS `BLACKCLPRC`
    /// (margin-models.md §1): d1 = [ln(F/K) + σ²T/2]/(σ√T), d2 = d1 − σ√T, D = e^(−rT);
    /// C = D[F·N(d1) − K·N(d2)], P = D[K·N(−d2) − F·N(−d1)]; Δ_C = D·N(d1), Δ_P = −D·N(−d1);
    /// Γ = D·n(d1)/(Fσ√T); vega = D·F·n(d1)·√T; Θ = rV − D·F·n(d1)·σ/(2√T).
    /// At expiry or zero volatility the option is worth its discounted intrinsic value; its delta
    /// is then D (in the money), 0 (out) or D/2 exactly at the strike, and Γ = vega = 0.
    pub fn greeks(self) -> EngineResult<Greeks> {
        let Black76 { kind, forward: f, strike: k, years: t, sigma, rate: r } = self.checked()?;
        let disc = exp(-r * t);
        let sd = sigma * sqrt(t);
        if sd == 0.0 {
            let (intrinsic, itm) = match kind {
                OptionKind::Call => ((f - k).max(0.0), f > k),
                OptionKind::Put => ((k - f).max(0.0), f < k),
            };
            let at = if f == k { 0.5 } else if itm { 1.0 } else { 0.0 };
            let delta = match kind {
                OptionKind::Call => disc * at,
                OptionKind::Put => -disc * at,
            };
            let price = disc * intrinsic;
            return Ok(Greeks { price, delta, gamma: 0.0, vega: 0.0, theta: r * price });
        }
        let d1 = (ln(f / k) + 0.5 * sd * sd) / sd;
        let d2 = d1 - sd;
        let pdf = norm_pdf(d1);
        let (price, delta) = match kind {
            OptionKind::Call => {
                let n1 = norm_cdf(d1);
                (disc * (f * n1 - k * norm_cdf(d2)), disc * n1)
            }
            OptionKind::Put => {
                let n1 = norm_cdf(-d1);
                (disc * (k * norm_cdf(-d2) - f * n1), -disc * n1)
            }
        };
        let gamma = disc * pdf / (f * sd);
        let vega = disc * f * pdf * sqrt(t);
        let theta = r * price - disc * f * pdf * sigma / (2.0 * sqrt(t));
        Ok(Greeks { price, delta, gamma, vega, theta })
    }

    /// The price alone (what a scenario grid reprices).
    pub fn price(self) -> EngineResult<f64> {
        self.greeks().map(|g| g.price)
    }
}

/// Source: Deribit support "Inverse Options" (margin-models.md §0): a coin-settled option's value
/// in coin is its USD value over the index; the examples take index = forward.
pub fn in_coin(value_quote: f64, index: f64) -> f64 {
    value_quote / index
}

/// Source: Deribit FAQ on "DeltaTotal" (margin-models.md §1): a coin-margined option's net
/// transaction delta is its Black delta minus its mark in coin (buying a 0.50-delta call for
/// 0.10 BTC adds 0.40 BTC of delta, the premium having left the account).
pub fn net_transaction_delta(delta: f64, mark_coin: f64) -> f64 {
    delta - mark_coin
}

/// Source: Deribit "Options" (margin-models.md §0): expiry payoff per 1-coin contract, in the
/// settlement unit — quote max(S−K,0) / max(K−S,0); coin the same over S (2,500 USD at
/// 12,500 = 0.2 BTC).
pub fn payoff(kind: OptionKind, premium_in: PremiumIn, strike: f64, settle: f64) -> f64 {
    let usd = match kind {
        OptionKind::Call => (settle - strike).max(0.0),
        OptionKind::Put => (strike - settle).max(0.0),
    };
    match premium_in {
        PremiumIn::Quote => usd,
        PremiumIn::Coin => usd / settle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// margin-models.md §7: (F, K, T, σ, r, kind, price, delta, gamma, vega, theta).
    #[allow(clippy::type_complexity)]
    const VECTORS: [(f64, f64, f64, f64, f64, OptionKind, f64, f64, f64, f64, f64); 7] = [
        (60000.0, 65000.0, 30.0 / 365.0, 0.6, 0.0, OptionKind::Call, 2237.868155, 0.3522260125, 3.597077737e-5, 6386.044859, -23309.06374),
        (60000.0, 65000.0, 30.0 / 365.0, 0.6, 0.0, OptionKind::Put, 7237.868155, -0.6477739875, 3.597077737e-5, 6386.044859, -23309.06374),
        (100.0, 100.0, 1.0, 0.2, 0.0, OptionKind::Call, 7.965567455, 0.5398278373, 0.01984762737, 39.69525475, -3.969525475),
        (100.0, 110.0, 0.5, 0.3, 0.05, OptionKind::Call, 4.628512463, 0.3566830636, 0.01729278519, 25.93917778, -7.550327712),
        (100.0, 110.0, 0.5, 0.3, 0.05, OptionKind::Put, 14.38161158, -0.6186268484, 0.01729278519, 25.93917778, -7.062672756),
        (2000.0, 1800.0, 7.0 / 365.0, 0.8, 0.0, OptionKind::Call, 219.1908102, 0.842889481, 0.001085050412, 66.58939513, -1388.864527),
        (60000.0, 50000.0, 90.0 / 365.0, 0.5, 0.0, OptionKind::Put, 1824.438411, -0.1953153536, 1.852598398e-5, 8222.491521, -8336.692792),
    ];

    #[test]
    fn section_7_vectors_to_one_millionth() {
        for (f, k, t, s, r, kind, price, delta, gamma, vega, theta) in VECTORS {
            let g = Black76 { kind, forward: f, strike: k, years: t, sigma: s, rate: r }.greeks().unwrap();
            let case = format!("{kind:?} F {f} K {k}");
            assert!(rel(g.price, price) < 1e-6, "{case} price {}", g.price);
            assert!(rel(g.delta, delta) < 1e-6, "{case} delta {}", g.delta);
            assert!(rel(g.gamma, gamma) < 1e-6, "{case} gamma {}", g.gamma);
            assert!(rel(g.vega, vega) < 1e-6, "{case} vega {}", g.vega);
            assert!(rel(g.theta, theta) < 1e-6, "{case} theta {}", g.theta);
        }
    }

    #[test]
    fn worked_example_in_coin_and_net_delta() {
        // §1: 65k call / put at F 60,000: 0.0372978026 / 0.1206311359 BTC; net transaction
        // delta 0.314928210 / −0.768405123.
        let base = Black76 { kind: OptionKind::Call, forward: 60000.0, strike: 65000.0, years: 30.0 / 365.0, sigma: 0.6, rate: 0.0 };
        let call = base.greeks().unwrap();
        let put = Black76 { kind: OptionKind::Put, ..base }.greeks().unwrap();
        let (c, p) = (in_coin(call.price, 60000.0), in_coin(put.price, 60000.0));
        assert!(rel(c, 0.0372978026) < 1e-8);
        assert!(rel(p, 0.1206311359) < 1e-8);
        assert!(rel(net_transaction_delta(call.delta, c), 0.314928210) < 1e-8);
        assert!(rel(net_transaction_delta(put.delta, p), -0.768405123) < 1e-8);
        // Put–call parity with r = 0: C − P = F − K.
        assert!((call.price - put.price - (60000.0 - 65000.0)).abs() < 1e-8);
    }

    #[test]
    fn coin_payoff_of_the_deribit_example() {
        assert_eq!(payoff(OptionKind::Call, PremiumIn::Coin, 10000.0, 12500.0), 0.2);
        assert_eq!(payoff(OptionKind::Put, PremiumIn::Quote, 10000.0, 12500.0), 0.0);
        assert_eq!(payoff(OptionKind::Put, PremiumIn::Quote, 13000.0, 12500.0), 500.0);
    }

    #[test]
    fn expiry_and_zero_vol_are_intrinsic() {
        let o = Black76 { kind: OptionKind::Put, forward: 90.0, strike: 100.0, years: 0.0, sigma: 0.5, rate: 0.0 };
        let g = o.greeks().unwrap();
        assert_eq!((g.price, g.delta, g.gamma, g.vega), (10.0, -1.0, 0.0, 0.0));
        let atm = Black76 { kind: OptionKind::Call, forward: 100.0, strike: 100.0, sigma: 0.0, years: 1.0, rate: 0.0 };
        assert_eq!(atm.greeks().unwrap().delta, 0.5);
    }

    #[test]
    fn bad_inputs_name_the_field() {
        let o = Black76 { kind: OptionKind::Call, forward: 100.0, strike: 100.0, years: 1.0, sigma: 0.2, rate: 0.0 };
        for (bad, field) in [
            (Black76 { forward: 0.0, ..o }, "option.forward"),
            (Black76 { strike: -1.0, ..o }, "option.strike"),
            (Black76 { years: f64::NAN, ..o }, "option.years"),
            (Black76 { sigma: -0.1, ..o }, "option.sigma"),
            (Black76 { rate: f64::INFINITY, ..o }, "option.rate"),
        ] {
            let err = bad.greeks().unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
        }
    }
}

/// The scenario format's option type, as the model names it (one conversion, used by the
/// engine's market and the scenario's option marks).
impl From<crate::scenario::OptionType> for OptionKind {
    fn from(t: crate::scenario::OptionType) -> Self {
        match t {
            crate::scenario::OptionType::Call => OptionKind::Call,
            crate::scenario::OptionType::Put => OptionKind::Put,
        }
    }
}

/// The scenario format's premium unit, as the model names it.
impl From<crate::scenario::PremiumUnit> for PremiumIn {
    fn from(u: crate::scenario::PremiumUnit) -> Self {
        match u {
            crate::scenario::PremiumUnit::Quote => PremiumIn::Quote,
            crate::scenario::PremiumUnit::Coin => PremiumIn::Coin,
        }
    }
}
