//! Cohorts: one generator line ("2,000 retail longs, notional log-normal around X, leverage
//! 5–20×, seed 7") expands deterministically into many accounts, so a scenario stays short.

use super::price_path::{standard_normal, uniform_open};
use crate::engine::money::{div_rem_i128, mul_i128};
use super::schema::{AccountSpec, Cohort, ContractKind, PositionSpec, Scenario, Side};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;

/// The seed a cohort draws from: its own, or the scenario seed mixed with its index.
pub fn cohort_seed(s: &Scenario, index: usize, c: &Cohort) -> u64 {
    c.seed.unwrap_or_else(|| s.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn round_down_to(x: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return x;
    }
    match x.checked_div(step) {
        Some(q) => q.floor() * step,
        None => x,
    }
}

/// `x` as a decimal with `dp` (≤ 2) places: the nearest integer number of 10^-dp units, rounded half
/// away from zero by libm (so native and wasm agree bit for bit) and built from that integer, so
/// the decimal is exact by construction. `None` when `x` is not finite or beyond ±9·10^15 units.
fn f64_to_dp(x: f64, dp: u32) -> Option<Decimal> {
    let unit = match dp {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        _ => return None,
    };
    let scaled = x * unit;
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        return None;
    }
    Some(Decimal::new(libm::round(scaled) as i64, dp))
}

/// `"{base}{sep}{n}"` in one exact-size allocation (as `format!` prints it; 100k ids per book).
pub fn numbered(base: &str, sep: &str, n: u32) -> String {
    let mut out = String::with_capacity(base.len() + sep.len() + 10);
    push_numbered(&mut out, base, sep, n);
    out
}

/// Appends `"{base}{sep}{n}"` to `out` (a buffer reused across a cohort's accounts).
pub fn push_numbered(out: &mut String, base: &str, sep: &str, n: u32) {
    out.push_str(base);
    out.push_str(sep);
    // The digits, last first, into a stack buffer (a u32 has at most 10).
    let mut digits = [b'0'; 10];
    let (mut i, mut rest) = (digits.len(), n);
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || i == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(digits.get(i..).unwrap_or_default()).unwrap_or_default());
}

/// 10^0 ..= 10^28 (a decimal's scales).
const POW10: [i128; 29] = {
    let mut t = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `a / b` as an exact fraction `num / den` (den > 0) of `i128`s, when they fit.
fn fraction(a: Decimal, b: Decimal) -> Option<(i128, i128)> {
    let num = mul_i128(a.mantissa(), *POW10.get(b.scale() as usize)?)?;
    let den = mul_i128(b.mantissa(), *POW10.get(a.scale() as usize)?)?;
    match den {
        0 => None,
        d if d < 0 => Some((num.checked_neg()?, d.checked_neg()?)),
        d => Some((num, d)),
    }
}

/// Whole lots of `lot` in `notional / per_contract`, rounded down: `round_down_to(notional /
/// per_contract, lot)` from the exact fraction (two `Decimal` divisions were a third of a
/// generated account's cost). `None` where `Decimal`'s 28-digit quotients could land on the
/// other side of a whole lot (within 10^-17 of one), beyond 10^12 lots, or outside positive inputs.
fn whole_lots(notional: Decimal, per_contract: Decimal, lot: Decimal) -> Option<Decimal> {
    if notional < Decimal::ZERO || per_contract <= Decimal::ZERO || lot <= Decimal::ZERO {
        return None;
    }
    let (num, den) = fraction(notional, per_contract.checked_mul(lot)?)?;
    let (k, rem) = div_rem_i128(num, den);
    if k >= 1_000_000_000_000 || (rem != 0 && den - rem <= div_rem_i128(den, 100_000_000_000_000_000).0) {
        return None;
    }
    Decimal::from_i128_with_scale(k, 0).checked_mul(lot)
}

/// `(a / b).round_dp(2)` (half to even) from the exact fraction, when the quotient needs more
/// than 2 places (then `Decimal` gives scale 2). `None` (the caller divides) when it is exact at
/// 2 places or fewer (its scale then follows `Decimal`'s own normalization), near a midpoint
/// (within 10^-17 of half a cent, where the 28-digit quotient could round the other way), for
/// non-positive inputs, or beyond 10^12.
fn div_round_cents(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a <= Decimal::ZERO || b <= Decimal::ZERO {
        return None;
    }
    let (num, den) = fraction(a, b)?;
    let scaled = mul_i128(num, 100)?;
    let (k, rem) = div_rem_i128(scaled, den);
    let twice = mul_i128(rem, 2)?;
    if rem == 0 || k >= 100_000_000_000_000 || (twice - den).abs() <= div_rem_i128(den, 100_000_000_000_000_000).0 {
        return None;
    }
    Some(Decimal::from_i128_with_scale(if twice > den { k + 1 } else { k }, 2))
}

/// Expand one cohort into accounts `"{id}-{n}"` (n from 1). Returns `None` when the cohort's
/// instrument is unknown (validation reports it).
pub fn expand(s: &Scenario, index: usize, c: &Cohort) -> Option<Vec<AccountSpec>> {
    let mut out = Vec::with_capacity(c.count as usize);
    expand_into(s, index, c, |a| out.push(a))?;
    Some(out)
}

/// [`expand`], handing each account to `push` (no intermediate list of a 100k cohort).
pub fn expand_into(s: &Scenario, index: usize, c: &Cohort, mut push: impl FnMut(AccountSpec)) -> Option<()> {
    draw_into(s, index, c, |d| push(spec_of(c, d)))
}

/// What a cohort drew for one of its accounts: the number in its id (from 1), its cash and its
/// signed size on the cohort's instrument. The rest of the account is the cohort's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drawn {
    pub n: u32,
    pub cash: Decimal,
    pub size: Decimal,
}

/// The account `d` of cohort `c` as a full spec.
pub fn spec_of(c: &Cohort, d: Drawn) -> AccountSpec {
    AccountSpec {
        id: account_id(c, d.n),
        // An unnamed cohort's accounts show their id (an empty display name means the id).
        name: display_name(c, d.n).unwrap_or_default(),
        role: c.role,
        margin_mode: c.margin_mode,
        cash: d.cash,
        collateral: Vec::new(),
        positions: vec![PositionSpec { instrument: c.instrument.clone(), size: d.size, entry_price: None, isolated_margin: None }],
        fund_contribution: Decimal::ZERO,
        reserves: Decimal::ZERO,
        fund: String::new(),
        margin_model: c.margin_model.clone(),
    }
}

/// Account `n`'s id: `"{cohort id}-{n}"`.
pub fn account_id(c: &Cohort, n: u32) -> String {
    numbered(&c.id, "-", n)
}

/// Account `n`'s display name, `"{cohort name} #{n}"`; `None` for an unnamed cohort.
pub fn display_name(c: &Cohort, n: u32) -> Option<String> {
    (!c.name.is_empty()).then(|| numbered(&c.name, " #", n))
}

/// `id` as `"{cohort id}-{n}"` the way [`numbered`] writes a generated account's id (n ≥ 1, digits
/// without a leading zero): its (cohort id, n). The digits never hold a `-`, so the last one splits.
pub fn numbered_parts(id: &str) -> Option<(&str, u32)> {
    let (base, digits) = id.rsplit_once('-')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, digits.parse::<u32>().ok()?))
}

/// The cohort's draws, account by account, without building the accounts (the engine builds its
/// own state from them: no spec, id string or position list per generated account).
pub fn draw_into(s: &Scenario, index: usize, c: &Cohort, mut push: impl FnMut(Drawn)) -> Option<()> {
    Drawer::new(s, index, c)?.for_each(&mut push);
    Some(())
}

/// A cohort's draws one account at a time ([`draw_into`] in any number of pieces, the same
/// accounts bit for bit): validation on the page expands a 100k book in slices (issue 14).
#[derive(Clone, Debug)]
pub struct Drawer {
    rng: ChaCha8Rng,
    median: f64,
    sigma: f64,
    lmin: f64,
    lmax: f64,
    notional_median: Decimal,
    leverage_min: Decimal,
    sign: Decimal,
    per_contract: Decimal,
    lot: Decimal,
    /// The next account's number (u64: a count of u32::MAX ends).
    next: u64,
    count: u32,
}

impl Drawer {
    /// `None` when the cohort's instrument is unknown (validation reports it).
    pub fn new(s: &Scenario, index: usize, c: &Cohort) -> Option<Drawer> {
        let ins = s.instruments.iter().find(|i| i.id == c.instrument)?;
        let price = ins.price.initial;
        let lmin = c.leverage_min.to_f64().unwrap_or(1.0);
        Some(Drawer {
            rng: ChaCha8Rng::seed_from_u64(cohort_seed(s, index, c)),
            median: c.notional_median.to_f64().unwrap_or(0.0),
            sigma: c.notional_sigma.to_f64().unwrap_or(0.0),
            lmin,
            lmax: c.leverage_max.to_f64().unwrap_or(lmin),
            notional_median: c.notional_median,
            leverage_min: c.leverage_min,
            sign: if c.side == Side::Long { Decimal::ONE } else { Decimal::NEGATIVE_ONE },
            // Contracts: linear = notional / (price × contract size); inverse contracts are quote units.
            per_contract: match ins.kind {
                ContractKind::Linear => price.checked_mul(ins.contract_size).unwrap_or(Decimal::ONE),
                ContractKind::Inverse => ins.contract_size,
            },
            lot: ins.lot_size,
            next: 1,
            count: c.count,
        })
    }
}

impl Iterator for Drawer {
    type Item = Drawn;

    fn next(&mut self) -> Option<Drawn> {
        let n = u32::try_from(self.next).ok().filter(|&n| n <= self.count)?;
        self.next += 1;
        let rng = &mut self.rng;
        let notional_f = self.median * libm::exp(self.sigma * standard_normal(rng));
        let lev_f = self.lmin + (self.lmax - self.lmin) * uniform_open(rng);
        let notional = f64_to_dp(notional_f, 2).unwrap_or_else(|| self.notional_median.round_dp(2));
        let lev = f64_to_dp(lev_f, 2).unwrap_or_else(|| self.leverage_min.round_dp(2)).max(Decimal::ONE);
        let (per_contract, lot) = (self.per_contract, self.lot);
        let size = match whole_lots(notional, per_contract, lot) {
            Some(size) => size,
            None => round_down_to(notional.checked_div(per_contract).unwrap_or(Decimal::ZERO), lot),
        }
        .max(lot);
        let actual_notional = size.checked_mul(per_contract).unwrap_or(notional);
        let cash = div_round_cents(actual_notional, lev).unwrap_or_else(|| actual_notional.checked_div(lev).unwrap_or(Decimal::ZERO).round_dp(2));
        Some(Drawn { n, cash, size: size * self.sign })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::*;

    /// The exact-fraction paths give the value and scale the `Decimal` divisions gave.
    #[test]
    fn exact_fractions_match_decimal_division() {
        use rand_core::RngCore;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (mut lots_fast, mut cents_fast) = (0, 0);
        for i in 0..200_000u32 {
            let r = |rng: &mut ChaCha8Rng, m: u32| rng.next_u32() % m;
            let notional = Decimal::new(i64::from(r(&mut rng, 100_000_000)), r(&mut rng, 3));
            let per_contract = Decimal::new(i64::from(r(&mut rng, 10_000_000) + 1), r(&mut rng, 6));
            let lot = [Decimal::new(1, 3), Decimal::ONE, Decimal::new(5, 1), Decimal::new(1, 8), Decimal::new(3, 0), Decimal::new(25, 2)][i as usize % 6];
            let want = round_down_to(notional.checked_div(per_contract).unwrap_or(Decimal::ZERO), lot);
            if let Some(got) = whole_lots(notional, per_contract, lot) {
                lots_fast += 1;
                assert_eq!((got, got.scale()), (want, want.scale()), "{notional} / {per_contract} in lots of {lot}");
            }
            let a = Decimal::new(i64::from(r(&mut rng, 1_000_000_000) + 1), r(&mut rng, 9));
            let b = if i % 3 == 0 { Decimal::new(i64::from(r(&mut rng, 2000) + 100), 2) } else { Decimal::new(i64::from(r(&mut rng, 40) + 1), r(&mut rng, 3)) };
            let want = a.checked_div(b).unwrap_or(Decimal::ZERO).round_dp(2);
            if let Some(got) = div_round_cents(a, b) {
                cents_fast += 1;
                assert_eq!((got, got.scale()), (want, want.scale()), "{a} / {b}");
            }
        }
        assert!(lots_fast > 150_000 && cents_fast > 100_000, "fast paths ran {lots_fast} and {cents_fast} times");
    }

    #[test]
    fn numbered_prints_like_format() {
        for n in [0u32, 1, 9, 10, 99, 100, 12345, 999_999_999, 1_000_000_000, u32::MAX - 1, u32::MAX].into_iter().chain((0..5000).map(|k| k * 7919)) {
            assert_eq!(numbered("longs", "-", n), format!("longs-{n}"));
            assert_eq!(numbered("Retail", " #", n), format!("Retail #{n}"));
        }
    }

    #[test]
    fn f64_to_dp_is_exact_cents() {
        assert_eq!(f64_to_dp(20_000.004_9, 2), Some(Decimal::new(2_000_000, 2)));
        let d = f64_to_dp(12.345, 2).unwrap_or_default();
        assert!(d == Decimal::new(1235, 2) || d == Decimal::new(1234, 2), "{d}");
        assert_eq!(f64_to_dp(5.5, 2).map(|d| d.to_string()), Some("5.50".to_string()));
        assert_eq!(f64_to_dp(-1.005, 2).map(|d| d.scale()), Some(2));
        assert_eq!(f64_to_dp(f64::NAN, 2), None);
        assert_eq!(f64_to_dp(1e300, 2), None);
    }

    #[test]
    fn cohort_is_deterministic_and_respects_leverage() {
        let mut s = Scenario { seed: 7, ..Default::default() };
        s.instruments.push(Instrument {
            id: "BTC-PERP".into(),
            price: PricePath { initial: Decimal::from(50_000), ..Default::default() },
            ..Default::default()
        });
        let c = Cohort { id: "retail".into(), count: 200, instrument: "BTC-PERP".into(), leverage_min: Decimal::from(5), leverage_max: Decimal::from(20), ..Default::default() };
        let a = expand(&s, 0, &c).unwrap();
        let b = expand(&s, 0, &c).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 200);
        for acc in &a {
            let notional = acc.positions[0].size * Decimal::from(50_000);
            let lev = notional / acc.cash;
            assert!(lev >= Decimal::new(49, 1) && lev <= Decimal::new(201, 1), "leverage {lev}");
            assert!(acc.positions[0].size > Decimal::ZERO);
        }
    }

    /// The 64-bit paths give what the 128-bit operations give, at and around their edges.
    #[test]
    fn narrow_integer_paths_match_i128() {
        use rand_core::RngCore;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let edges = [0i128, 1, -1, 2, (1 << 31) - 1, 1 << 31, -(1 << 31), i128::from(i64::MAX), i128::from(i64::MIN), i128::from(i64::MAX) + 1, i128::MAX, i128::MIN + 1];
        let mut xs: Vec<i128> = edges.to_vec();
        for _ in 0..20_000 {
            let wide = (i128::from(rng.next_u64()) << 64 | i128::from(rng.next_u64())) >> (rng.next_u32() % 127);
            xs.push(if rng.next_u32() % 2 == 0 { wide } else { -wide });
        }
        for w in xs.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert_eq!(mul_i128(a, b), a.checked_mul(b), "{a} × {b}");
            if b != 0 && !(a == i128::MIN && b == -1) {
                assert_eq!(div_rem_i128(a, b), (a / b, a % b), "{a} / {b}");
            }
        }
        assert_eq!(div_rem_i128(i128::from(i64::MIN), -1), (-i128::from(i64::MIN), 0));
    }
}
