//! exp, ln, sqrt, pow and the standard normal pdf/CDF for the option models, written once in pure
//! Rust so native and wasm builds compute the same bits.
//!
//! Why f64 with only IEEE-exact operations (and not Decimal): IEEE 754 requires `+ − × ÷` and
//! `sqrt` to be correctly rounded, so x86-64 (SSE2) and wasm32 give identical results for them;
//! Rust never fuses `a*b + c` into an FMA on its own, and nothing here calls `mul_add`, the
//! platform's `exp`/`ln`/`erf` (which may differ in the last bit) or `powf`. Every other step is
//! exact (bit manipulation of the exponent, comparisons, `round`). A price costs ≈ 100 ns this
//! way, against tens of µs in 28-digit `Decimal` series, and a scenario grid reprices every option
//! dozens of times per account; accuracy (≈ 1e-15 relative) is far inside the 1e-6 the test
//! vectors ask. Money never stays in f64: callers turn a result into `Decimal` with [`to_decimal`]
//! (rounded to fixed places), round marks to the tick, and add and compare in `Decimal`.

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

/// ln 2 split so that `k × LN2_HI` is exact for |k| < 2^11 (fdlibm's Cody–Waite constants).
/// Given by their bits (0x3fe62e42fee00000, 0x3dea39ef35793c76) so no decimal parsing is involved.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = std::f64::consts::LOG2_E;
/// 1 / √(2π) = 0.3989422804014327.
const INV_SQRT_2PI: f64 = f64::from_bits(0x3fd9_8845_33d4_3651);
const SQRT_2: f64 = std::f64::consts::SQRT_2;

/// 2^k as an f64, for −1022 ≤ k ≤ 1023 (built from its bits: exact).
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `y × 2^k` for any k, by at most three exact power-of-two products (subnormals round once).
fn scale(mut y: f64, mut k: i64) -> f64 {
    while k > 1023 {
        y *= pow2(1023);
        k -= 1023;
    }
    while k < -1022 {
        y *= pow2(-1022);
        k += 1022;
    }
    y * pow2(k)
}

/// Source: Cody & Waite range reduction (x = k·ln 2 + r, |r| ≤ ln 2 / 2) and the Taylor series of
/// e^r to degree 16 (truncation below 1e-20); fdlibm's split constants.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    let k = (x * INV_LN2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Horner form of Σ r^n / n!, n = 0..=16: 1 + r(1 + r/2(1 + r/3(…))).
    let mut p = 1.0;
    let mut n = 16.0;
    while n >= 1.0 {
        p = 1.0 + p * r / n;
        n -= 1.0;
    }
    scale(p, k as i64)
}

/// Source: ln x = e·ln 2 + ln m with m ∈ [√½, √2) read from the bits, and
/// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716, summed to s^27 (truncation below 1e-20).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= pow2(54); // subnormal: make it normal, exactly
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000); // [1, 2)
    if m > SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let f = m - 1.0; // exact (Sterbenz: m ∈ [½, 2])
    let s = f / (2.0 + f);
    let s2 = s * s;
    // atanh(s)/s = Σ s^(2j) / (2j + 1), j = 0..=13, Horner from the top.
    let mut q = 0.0;
    let mut j = 13.0;
    while j >= 0.0 {
        q = 1.0 / (2.0 * j + 1.0) + s2 * q;
        j -= 1.0;
    }
    let ln_m = 2.0 * s * q;
    let e = e as f64;
    e * LN2_HI + (e * LN2_LO + ln_m)
}

/// Source: IEEE 754-2008 §5.4.1 — square root is correctly rounded, so the hardware instruction
/// (x86-64 `sqrtsd`, wasm `f64.sqrt`) gives the same bits everywhere.
#[inline]
pub fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

/// `x^y = exp(y·ln x)` for x > 0 (the vega powers of the scenario grid); 1 when y = 0.
pub fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    exp(y * ln(x))
}

/// Source: standard normal density n(x) = e^(−x²/2)/√(2π).
pub fn norm_pdf(x: f64) -> f64 {
    INV_SQRT_2PI * exp(-0.5 * x * x)
}

/// Where the CDF switches from the series to the continued fraction.
const SERIES_LIMIT: f64 = 3.0;

/// Source: Marsaglia, "Evaluating the Normal Distribution", J. Stat. Software 11(4), 2004:
/// N(x) = ½ + n(x)·(x + x³/3 + x⁵/(3·5) + …) for |x| ≤ 3 (all terms one sign: no cancellation);
/// beyond, the upper tail Q(x) = n(x)/(x + 1/(x + 2/(x + 3/(x + …)))) (Laplace's continued
/// fraction), so far tails keep their relative accuracy (N(−8) ≈ 6.2e−16, not 0).
/// Both stop by rules that depend only on x (the series once its terms fall below 1e-17 of the
/// sum after they peak; the fraction at depth 12 + 450/x², which a 40-digit check showed to
/// converge below 2e-17 from x = 3 up), so every platform runs the same operations.
pub fn norm_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    if a <= SERIES_LIMIT {
        let x2 = x * x;
        let (mut term, mut sum, mut n) = (x, x, 1.0);
        // Terms grow while 2n + 1 < x², then shrink at least geometrically; cap 200 terms.
        while n <= 200.0 {
            term = term * x2 / (2.0 * n + 1.0);
            sum += term;
            if 2.0 * n + 1.0 > x2 && term.abs() <= 1e-17 * sum.abs() {
                break;
            }
            n += 1.0;
        }
        return 0.5 + norm_pdf(x) * sum;
    }
    if a > 40.0 {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    let mut cf = a;
    let mut k = (12.0 + 450.0 / (a * a)).ceil();
    while k >= 1.0 {
        cf = a + k / cf;
        k -= 1.0;
    }
    let tail = norm_pdf(a) / cf;
    if x > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// `x` as a `Decimal` with `dp` ≤ 18 places, or `None` when not finite or out of `Decimal`'s
/// range. While |x| × 10^dp < 7e28 it is round(x × 10^dp) / 10^dp: one IEEE product, an exact rounding to an
/// integer (half away from zero) and an exact integer conversion — deterministic, and about ten
/// times cheaper than reading the f64's exact binary expansion (the grid converts every option
/// P&L). Larger values take the exact expansion, rounded half to even.
pub fn to_decimal(x: f64, dp: u32) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    if dp <= 18 {
        let scaled = (x * POW10[dp as usize]).round();
        // Below 7e28 the integer fits Decimal's 96-bit mantissa (7.9e28).
        if scaled.abs() < 7e28 {
            return Some(Decimal::from_i128_with_scale(scaled as i128, dp));
        }
    }
    Decimal::from_f64_retain(x).map(|d| d.round_dp(dp))
}

/// 10^0 … 10^18, each exact in f64.
const POW10: [f64; 19] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];

/// A `Decimal` input as f64 (deterministic: the conversion is integer work plus one division).
pub fn to_f64(x: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    x.to_f64().unwrap_or(f64::NAN)
}

/// `Decimal::from_f64` shortcut used by tests and presets.
#[allow(dead_code)]
pub(crate) fn dec(x: f64) -> Decimal {
    Decimal::from_f64(x).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_fdlibm_ones() {
        assert_eq!(LN2_HI, 6.93147180369123816490e-01);
        assert_eq!(LN2_LO, 1.90821492927058770002e-10);
        assert_eq!(INV_SQRT_2PI, 0.3989422804014327);
    }

    fn rel(a: f64, b: f64) -> f64 {
        if b == 0.0 {
            a.abs()
        } else {
            ((a - b) / b).abs()
        }
    }

    // Reference values: mpmath at 50 digits (hand-run, not read back from this code).
    #[test]
    fn exp_matches_references() {
        let cases = [
            (0.0, 1.0),
            (1.0, 2.718281828459045235360287),
            (-1.0, 0.3678794411714423215955238),
            (0.5, 1.648721270700128146848651),
            (10.0, 22026.46579480671651695790),
            (-20.5, 1.250152866386743e-9),
            (700.0, 1.0142320547350045e304),
            (-740.0, 4.188739880048049e-322),
        ];
        for (x, want) in cases {
            let (x, want): (f64, f64) = (x, want);
            let tol = if want < 1e-300 { 2e-2 } else { 4e-16 };
            assert!(rel(exp(x), want) < tol, "exp({x}) = {} want {want}", exp(x));
        }
        assert_eq!(exp(800.0), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
    }

    #[test]
    fn ln_matches_references() {
        let cases = [
            (1.0, 0.0),
            (2.0, 0.6931471805599453094172321),
            (10.0, 2.302585092994045684017991),
            (0.923076923076923, -0.08004270767353649),
            (1.5, 0.4054651081081643819780131),
            (1e-300, -690.7755278982137052),
            (5e-324, -744.4400719213812),
            (1.0000001, 9.999999505838705e-8),
        ];
        for (x, want) in cases {
            let (x, want): (f64, f64) = (x, want);
            let got = ln(x);
            assert!((got - want).abs() <= 4e-16 * want.abs().max(1e-300) + 1e-22, "ln({x}) = {got} want {want}");
        }
        assert!(ln(-1.0).is_nan());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn exp_ln_round_trip() {
        let mut x = 1e-6;
        while x < 1e6 {
            assert!(rel(exp(ln(x)), x) < 2e-15, "{x}");
            x *= 1.37;
        }
    }

    #[test]
    fn norm_cdf_matches_references() {
        // mpmath ncdf at 50 digits.
        let cases = [
            (0.0, 0.5),
            (-0.379317609, 0.3522260124637156),
            (1.0, 0.8413447460685429485852325),
            (-1.0, 0.1586552539314570514147675),
            (-2.5, 0.006209665325776135166978),
            (-3.0, 0.001349898031630094526652),
            (-3.0000001, 0.0013498975884453205),
            (3.5, 0.9997673709209645),
            (-5.0, 2.866515718791939116737523e-7),
            (-8.0, 6.220960574271784123515995e-16),
            (-20.0, 2.753624118606233695075e-89),
            (-38.0, 2.8854283600687843e-316),
        ];
        for (x, want) in cases {
            let (x, want): (f64, f64) = (x, want);
            let got = norm_cdf(x);
            // Near the switch (|x| = 3) the series' ½ − 0.49865 costs two digits: 1e-13 there.
            let tol = if want.abs() < 1e-300 { 1e-5 } else { 1e-13 };
            assert!(rel(got, want) < tol, "N({x}) = {got:e} want {want:e}");
        }
        assert_eq!(norm_cdf(50.0), 1.0);
        assert_eq!(norm_cdf(-50.0), 0.0);
    }

    #[test]
    fn norm_cdf_is_continuous_at_the_switch_and_symmetric() {
        for x in [2.999999, 3.0, 3.000001, 0.3, 1.7] {
            assert!((norm_cdf(x) + norm_cdf(-x) - 1.0).abs() < 1e-15, "{x}");
        }
        let (below, above) = (norm_cdf(-3.0), norm_cdf(-3.0 - 1e-12));
        assert!((below - above).abs() < 1e-14);
    }

    #[test]
    fn to_decimal_rounds_and_refuses_non_finite() {
        assert_eq!(to_decimal(0.1, 6), Some(Decimal::new(100000, 6)));
        assert_eq!(to_decimal(-2237.868155, 6), Some(Decimal::new(-2237868155, 6)));
        assert_eq!(to_decimal(0.0372978026, 18).map(|d| d.round_dp(10)), Some(Decimal::new(372978026, 10)));
        // 2^70 is exact in f64: the scaled path (×100 < 7e28) and the exact expansion agree.
        assert_eq!(to_decimal(1180591620717411303424.0, 2), Some(Decimal::from(1u128 << 70)));
        assert_eq!(to_decimal(1180591620717411303424.0, 18), Some(Decimal::from(1u128 << 70)));
        assert_eq!(to_decimal(1e12, 18), Some(Decimal::from(10u128.pow(12))));
        assert_eq!(to_decimal(f64::NAN, 6), None);
        assert_eq!(to_decimal(f64::INFINITY, 6), None);
    }
}
