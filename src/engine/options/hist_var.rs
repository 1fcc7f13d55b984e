//! Historical-simulation VaR and expected shortfall, the way CCPs margin (Eurex Prisma, LCH
//! PAIRS), in exact decimals: the quantile's index is ⌈N(1−α)⌉ computed in `Decimal` (in f64,
//! 10 × (1 − 0.7) = 3.0000000000000004 and the ceiling picks the 4th loss, not the 3rd)
//! (margin-models.md §5).

use super::normal::to_f64;
use super::scenario_grid::{leg_pnl, Book, GridParams, PriceMove, PriceRange, Shock, VolMove, Weight};
use crate::engine::money::{Checked, EngineError, EngineResult};
use rust_decimal::{Decimal, MathematicalOps};

fn invalid(field: &str, why: &str) -> EngineError {
    EngineError::Invalid { errors: vec![format!("hist_var.{field}: {why}")] }
}

/// The loss tail of a set of scenario P&Ls at confidence α.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tail {
    /// Number of scenarios N.
    pub n: usize,
    /// k = ⌈N(1−α)⌉ (at least 1): VaR is the k-th largest loss.
    pub k: usize,
    pub var: Decimal,
    pub es: Decimal,
}

/// Source: historical-simulation VaR/ES, margin-models.md §5 steps 3–4 (standard definitions;
/// which order statistic each CCP uses is [U]): losses L = −P&L sorted descending,
/// k = ⌈N(1−α)⌉, VaR = L(k), ES = [Σ_{i<k} L(i) + (N(1−α) − (k−1))·L(k)] / (N(1−α)) — the mean
/// of the worst k when N(1−α) is whole, a fractional weight on L(k) otherwise. Not the linearly
/// interpolated quantile (numpy's default gives 13.32 where this gives 18.6).
pub fn tail(pnl: &[Decimal], alpha: Decimal) -> EngineResult<Tail> {
    const W: &str = "VaR / ES";
    if pnl.is_empty() {
        return Err(invalid("pnl", "at least one scenario P&L is needed"));
    }
    if alpha <= Decimal::ZERO || alpha >= Decimal::ONE {
        return Err(invalid("alpha", "the confidence must be strictly between 0 and 1"));
    }
    let mut losses: Vec<Decimal> = pnl.iter().map(|p| -*p).collect();
    losses.sort_unstable_by(|a, b| b.cmp(a));
    let n = losses.len();
    let tail_mass = Decimal::from(n as u64).mul_c(Decimal::ONE - alpha, W)?; // N(1−α), exact
    let k = tail_mass.ceil().max(Decimal::ONE);
    let k = usize::try_from(k.mantissa() / 10i128.pow(k.scale())).unwrap_or(n).min(n);
    let var = losses[k - 1];
    let es = if tail_mass < Decimal::ONE {
        var // less than one scenario in the tail: ES is the worst loss itself
    } else {
        let mut sum = Decimal::ZERO;
        for l in &losses[..k - 1] {
            sum = sum.add_c(*l, W)?;
        }
        let part = tail_mass.sub_c(Decimal::from(k as u64 - 1), W)?;
        sum.add_c(part.mul_c(var, W)?, W)?.div_c(tail_mass, W)?
    };
    Ok(Tail { n, k, var, es })
}

/// Source: RiskMetrics EWMA (margin-models.md §5 step 2): σ²_t = λσ²_{t−1} + (1−λ)r²_{t−1}.
/// Returns N + 1 variances: the one in force before each return, then today's.
pub fn ewma_variances(returns: &[Decimal], lambda: Decimal, initial: Decimal) -> EngineResult<Vec<Decimal>> {
    const W: &str = "EWMA variance";
    if lambda <= Decimal::ZERO || lambda >= Decimal::ONE {
        return Err(invalid("lambda", "the decay must be strictly between 0 and 1"));
    }
    if initial <= Decimal::ZERO {
        return Err(invalid("initial_variance", "must be > 0"));
    }
    let mut v = Vec::with_capacity(returns.len() + 1);
    let mut s2 = initial;
    v.push(s2);
    for r in returns {
        s2 = lambda.mul_c(s2, W)?.add_c((Decimal::ONE - lambda).mul_c(r.mul_c(*r, W)?, W)?, W)?;
        v.push(s2);
    }
    Ok(v)
}

/// Source: filtered historical simulation (margin-models.md §5 step 2): each return rescaled to
/// today's volatility, r̃_t = r_t·σ_now/σ_t, σ_t the EWMA volatility in force before r_t. The
/// square root is `rust_decimal`'s (integer arithmetic, so identical on every target), rounded to
/// 16 places.
pub fn filtered_returns(returns: &[Decimal], lambda: Decimal, initial: Decimal) -> EngineResult<Vec<Decimal>> {
    const W: &str = "filtered return";
    let v = ewma_variances(returns, lambda, initial)?;
    let now = v[v.len() - 1];
    returns
        .iter()
        .zip(&v)
        .map(|(r, s2)| {
            let ratio = now.div_c(*s2, W)?.sqrt().ok_or_else(|| invalid("initial_variance", "square root failed"))?;
            Ok(r.mul_c(ratio, W)?.round_dp(16))
        })
        .collect()
}

/// Source: margin-models.md §5 step 1: the h-step relative changes of a path, overlapping,
/// P_{t+h}/P_t − 1 (what a scenario's own past path offers as scenarios).
pub fn horizon_returns(path: &[Decimal], horizon: usize) -> EngineResult<Vec<Decimal>> {
    if horizon == 0 {
        return Err(invalid("horizon", "must be at least 1 step"));
    }
    if path.iter().any(|p| *p <= Decimal::ZERO) {
        return Err(invalid("path", "prices must be > 0"));
    }
    path.windows(horizon + 1)
        .map(|w| w[horizon].div_c(w[0], "horizon return").map(|x| (x - Decimal::ONE).round_dp(16)))
        .collect()
}

/// Source: margin-models.md §5 step 1: the whole book revalued under each historical change of
/// its underlying, P&L_j = V(F·(1 + r_j)) − V(F) (options by Black-76 at today's σ and T; futures
/// exactly), summed per position as the scenario grid does (each position's P&L to 12 places).
/// Returns are taken to 12 places. These P&Ls feed [`tail`] / [`hist_margin`].
pub fn book_pnl(book: &Book, returns: &[Decimal]) -> EngineResult<Vec<Decimal>> {
    let p = GridParams { price_range: PriceRange::Relative(0.0), scenarios: Vec::new(), lookahead_days: 0.0, ..GridParams::deribit_pm() };
    returns
        .iter()
        .map(|r| {
            let shock = Shock { price: PriceMove::Relative(to_f64(r.round_dp(12))), vol: VolMove::Same, weight: Weight::Full };
            let mut sum = Decimal::ZERO;
            for leg in &book.legs {
                let q = match leg {
                    super::scenario_grid::Leg::Future { qty, .. } | super::scenario_grid::Leg::Option { qty, .. } => *qty,
                };
                sum = sum.add_c(q.mul_c(leg_pnl(&p, book.unit, leg, &shock)?, "historical P&L")?.round_dp(super::scenario_grid::PNL_DP), "historical P&L")?;
            }
            Ok(sum)
        })
        .collect()
}

/// Source: square-root-of-time scaling (margin-models.md §5 step 5; assumes i.i.d. returns [U]):
/// a 1-day figure × √h (√2 = 1.414214, √5 = 2.236068).
pub fn scale_to_horizon(one_day: Decimal, days: u32) -> EngineResult<Decimal> {
    let root = Decimal::from(days).sqrt().ok_or_else(|| invalid("horizon", "square root failed"))?;
    one_day.mul_c(root, "horizon-scaled margin")
}

/// EMIR RTS 153/2013 Art. 28's anti-procyclicality tools (a CCP uses at least one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apc {
    /// (a) a buffer of at least 25 %: 1.25 × M.
    Buffer,
    /// (b) at least 25 % weight on stressed observations: 0.75 × M + 0.25 × M_stress (one
    /// reading [U]).
    StressWeight { stressed: Decimal },
    /// (c) at least the margin from a 10-year lookback: max(M, M_10y).
    TenYearFloor { ten_year: Decimal },
}

/// Source: EMIR RTS 153/2013 Art. 28 (margin-models.md §5 step 5): M = 100, M_stress = 180,
/// M_10y = 130 → (a) 125, (b) 120, (c) 130.
pub fn anti_procyclical(margin: Decimal, apc: Apc) -> EngineResult<Decimal> {
    const W: &str = "anti-procyclicality floor";
    match apc {
        Apc::Buffer => margin.mul_c(Decimal::new(125, 2), W),
        Apc::StressWeight { stressed } => margin.mul_c(Decimal::new(75, 2), W)?.add_c(stressed.mul_c(Decimal::new(25, 2), W)?, W),
        Apc::TenYearFloor { ten_year } => Ok(margin.max(ten_year)),
    }
}

/// VaR or ES as the margin measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    VaR,
    ExpectedShortfall,
}

/// Source: margin-models.md §5: margin = max(measure of the tail, 0), then the
/// anti-procyclicality tool. Never below 0; with k = 1 it is the worst loss itself.
pub fn hist_margin(pnl: &[Decimal], alpha: Decimal, measure: Measure, apc: Option<Apc>) -> EngineResult<Decimal> {
    let t = tail(pnl, alpha)?;
    let m = match measure {
        Measure::VaR => t.var,
        Measure::ExpectedShortfall => t.es,
    }
    .max(Decimal::ZERO);
    match apc {
        Some(a) => anti_procyclical(m, a),
        None => Ok(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn vector() -> Vec<Decimal> {
        ["-12.0", "3.5", "-4.2", "8.1", "-25.0", "1.0", "-7.7", "15.3", "-0.5", "-18.6"].iter().map(|s| d(s)).collect()
    }

    #[test]
    fn section_7_vector() {
        for (alpha, k, var, es) in [("0.99", 1, "25.0", "25.0"), ("0.975", 1, "25.0", "25.0"), ("0.90", 1, "25.0", "25.0"), ("0.80", 2, "18.6", "21.8"), ("0.75", 3, "12.0", "19.84"), ("0.70", 3, "12.0", "18.5333333333333333333333333")] {
            let t = tail(&vector(), d(alpha)).unwrap();
            assert_eq!((t.k, t.var), (k, d(var)), "α {alpha}");
            assert!((t.es - d(es)).abs() < d("1e-24"), "α {alpha}: ES {}", t.es);
        }
        // The f64 pitfall the exact decimals avoid: 10 × (1 − 0.7) in f64 is just above 3.
        let seven_tenths = std::hint::black_box(0.7_f64);
        assert!(10.0 * (1.0 - seven_tenths) > 3.0);
    }

    #[test]
    fn k_for_250_scenarios() {
        let pnl: Vec<Decimal> = (0..250).map(|i| Decimal::from(i - 125)).collect();
        let t = tail(&pnl, d("0.99")).unwrap();
        assert_eq!(t.k, 3);
        let t = tail(&pnl, d("0.975")).unwrap();
        assert_eq!(t.k, 7);
        // Losses 125, 124, …: ES = (125+124+…+120 + 0.25 × 119) / 6.25 = 764.75 / 6.25 = 122.36.
        assert_eq!((t.k, t.var, t.es), (7, d("119"), d("122.36")));
    }

    #[test]
    fn ewma_and_filtering() {
        let r = [d("0.02"), d("-0.03"), d("0.01")];
        let v = ewma_variances(&r, d("0.97"), d("0.0001")).unwrap();
        assert_eq!(&v[1..], &[d("0.000109"), d("0.00013273"), d("0.0001317481")]);
        let f = filtered_returns(&r, d("0.97"), d("0.0001")).unwrap();
        assert!((f[1] - d("-0.0329822429")).abs() < d("1e-10"), "{}", f[1]);
    }

    #[test]
    fn apc_and_horizon() {
        let m = d("100");
        assert_eq!(anti_procyclical(m, Apc::Buffer).unwrap(), d("125"));
        assert_eq!(anti_procyclical(m, Apc::StressWeight { stressed: d("180") }).unwrap(), d("120"));
        assert_eq!(anti_procyclical(m, Apc::TenYearFloor { ten_year: d("130") }).unwrap(), d("130"));
        assert_eq!(scale_to_horizon(Decimal::ONE, 2).unwrap().round_dp(6), d("1.414214"));
        assert_eq!(scale_to_horizon(Decimal::ONE, 5).unwrap().round_dp(6), d("2.236068"));
        assert_eq!(horizon_returns(&[d("100"), d("110"), d("99")], 1).unwrap(), vec![d("0.1"), d("-0.1")]);
        assert_eq!(horizon_returns(&[d("100"), d("110"), d("99")], 2).unwrap(), vec![d("-0.01")]);
    }

    #[test]
    fn a_book_over_its_own_past_path() {
        use crate::engine::options::black76::{OptionKind, PremiumIn};
        use crate::engine::options::scenario_grid::Leg;
        // 2 linear futures at 100 over the path 100 → 110 → 99 → 99: returns +10 %, −10 %, 0.
        let path = [d("100"), d("110"), d("99"), d("99")];
        let book = Book { unit: PremiumIn::Quote, index: 100.0, legs: vec![Leg::Future { qty: d("2"), forward: 100.0, month: 0 }] };
        let pnl = book_pnl(&book, &horizon_returns(&path, 1).unwrap()).unwrap();
        assert_eq!(pnl, vec![d("20"), d("-20"), d("0")]);
        // N = 3, α = 2/3 → N(1−α) = 1 → k = 1: VaR = ES = the worst loss, 20.
        let t = tail(&pnl, d("0.6666666666666666666666666667")).unwrap();
        assert_eq!((t.k, t.var), (1, d("20")));
        // A short at-the-money call (K 100, 30 d, σ 0.5; worth 5.713767509): on the +10 % day the
        // call is worth 12.275433781, on the −10 % day 1.827693354 (50-digit references), so the
        // short's P&L is −6.561666272 and +3.886074155.
        let call = Book { unit: PremiumIn::Quote, index: 100.0, legs: vec![Leg::Option { qty: d("-1"), kind: OptionKind::Call, strike: 100.0, forward: 100.0, days: 30.0, sigma: 0.5 }] };
        let pnl = book_pnl(&call, &[d("0.1"), d("-0.1")]).unwrap();
        assert!((pnl[0] - d("-6.561666272")).abs() < d("1e-9") && (pnl[1] - d("3.886074155")).abs() < d("1e-9"), "{pnl:?}");
        assert_eq!(hist_margin(&pnl, d("0.5"), Measure::VaR, None).unwrap(), -pnl[0]);
    }

    #[test]
    fn margin_never_negative_and_errors_name_the_field() {
        assert_eq!(hist_margin(&[d("5"), d("1")], d("0.5"), Measure::VaR, None).unwrap(), Decimal::ZERO);
        assert!(tail(&[], d("0.9")).unwrap_err().to_string().contains("hist_var.pnl"));
        assert!(tail(&vector(), Decimal::ONE).unwrap_err().to_string().contains("hist_var.alpha"));
        assert!(ewma_variances(&[], Decimal::ONE, d("1")).unwrap_err().to_string().contains("hist_var.lambda"));
        assert!(horizon_returns(&[d("1")], 0).unwrap_err().to_string().contains("hist_var.horizon"));
        assert!(horizon_returns(&[d("0"), d("1")], 1).unwrap_err().to_string().contains("hist_var.path"));
    }
}
