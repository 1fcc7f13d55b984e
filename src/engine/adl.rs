//! Auto-deleveraging: rank opposite positions and close them against the bankrupt one.
//!
//! Source: BitMEX "Auto-Deleveraging" — ranking = PnL% × effective leverage when PnL% > 0,
//! PnL% / effective leverage otherwise; highest first; closed at the bankruptcy price.
//! The other venues' orders (`venue.adl`): Hyperliquid's sorting key ([`hyperliquid_key`]),
//! dYdX v4's unranked, seeded order ([`dydx_key`]); Drift closes nothing (waterfall/adl_drift.rs).

use super::money::{Checked, EngineResult};
use rust_decimal::Decimal;

/// The BitMEX ranking score of a position.
pub fn adl_score(pnl_pct: Decimal, effective_leverage: Decimal) -> EngineResult<Decimal> {
    if pnl_pct > Decimal::ZERO {
        pnl_pct.mul_c(effective_leverage, "ADL score")
    } else if effective_leverage > Decimal::ZERO {
        pnl_pct.div_c(effective_leverage, "ADL score")
    } else {
        Ok(pnl_pct)
    }
}

/// Source: Hyperliquid docs, "Auto-deleveraging": opposite positions sorted by (mark_price / entry_price) × (notional_position / account_value), highest first (domain.md "Crypto and on-chain").
/// The docs give the one formula; for a short the profit factor is read the other way round
/// (entry / mark), so that, as for a long, a position in profit ranks above one at a loss.
/// `leverage` is the notional at mark over the account value (0 without positive value).
pub fn hyperliquid_key(mark: Decimal, entry: Decimal, long: bool, leverage: Decimal) -> EngineResult<Decimal> {
    let (num, den) = if long { (mark, entry) } else { (entry, mark) };
    if den <= Decimal::ZERO {
        return Ok(Decimal::ZERO);
    }
    num.div_c(den, "ADL key")?.mul_c(leverage, "ADL key")
}

/// Source: dYdX v4 protocol, deleveraging: offsetting subaccounts are taken in a pseudo-random order, without ranking (domain.md "Crypto and on-chain").
/// The order key of `account` for a fill of `inst` at `step`: a SplitMix64 hash of the scenario's
/// seed and those three, so a run is deterministic (native == wasm) and a seed change reshuffles.
pub fn dydx_key(seed: u64, step: u32, inst: usize, account: usize) -> Decimal {
    let mut z = seed ^ (u64::from(step) << 40) ^ ((inst as u64) << 24) ^ (account as u64);
    for _ in 0..2 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    // 53 bits: a non-negative integer key, exactly representable.
    Decimal::from(z >> 11)
}

/// Who is deleveraged for how much, in place (the step loop allocates nothing): `candidates`
/// `(account, quantity, score)`, one entry per account, becomes the hits, highest score first
/// (ties: lower account index first), each with the quantity it gives up; never more than
/// `needed` in total.
pub fn adl_take(candidates: &mut Vec<(usize, Decimal, Decimal)>, needed: Decimal) {
    candidates.retain(|c| c.1 > Decimal::ZERO);
    // (score, account) is unique per account: the unstable sort gives the one order.
    candidates.sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut left = needed.max(Decimal::ZERO);
    let mut hits = 0;
    for c in candidates.iter_mut() {
        if left.is_zero() {
            break;
        }
        c.1 = c.1.min(left);
        left -= c.1;
        hits += 1;
    }
    candidates.truncate(hits);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: i64) -> Decimal {
        Decimal::from(x)
    }

    /// [`adl_take`] on a copy: the hits as (account, quantity).
    fn adl_select(candidates: &[(usize, Decimal, Decimal)], needed: Decimal) -> Vec<(usize, Decimal)> {
        let mut hits = candidates.to_vec();
        adl_take(&mut hits, needed);
        hits.into_iter().map(|(acct, take, _)| (acct, take)).collect()
    }

    // domain.md §4 (BitMEX example): six longs (account: qty, score); a short of 20 is liquidated:
    // account 2 closes fully (10) and account 5 closes 10 of its 20.
    #[test]
    fn bitmex_six_longs_example() {
        let longs = [(1, d(10), d(3)), (2, d(10), d(6)), (3, d(20), d(1)), (4, d(30), d(4)), (5, d(20), d(5)), (6, d(10), d(2))];
        let hit = adl_select(&longs, d(20));
        assert_eq!(hit, vec![(2, d(10)), (5, d(10))]);
    }

    // Hyperliquid's key, by hand: a long entered at 100, mark 120, notional 12,000 on an account
    // value of 3,000 (4×): 1.2 × 4 = 4.8. A short entered at 120, mark 100, 2×: 1.2 × 2 = 2.4.
    // A long at a loss (entry 150, mark 120, 10×): 0.8 × 10 = 8: leverage can outrank profit.
    #[test]
    fn hyperliquid_key_by_hand() {
        assert_eq!(hyperliquid_key(d(120), d(100), true, d(4)).unwrap(), Decimal::new(48, 1));
        assert_eq!(hyperliquid_key(d(100), d(120), false, d(2)).unwrap(), Decimal::new(24, 1));
        assert_eq!(hyperliquid_key(d(120), d(150), true, d(10)).unwrap(), d(8));
        assert_eq!(hyperliquid_key(d(120), d(0), true, d(10)).unwrap(), d(0));
    }

    /// The dYdX order is a function of (seed, step, instrument, account) only, and reshuffles
    /// with the seed.
    #[test]
    fn dydx_key_is_seeded_and_deterministic() {
        assert_eq!(dydx_key(7, 3, 0, 5), dydx_key(7, 3, 0, 5));
        let order = |seed| {
            let mut a: Vec<usize> = (0..8).collect();
            a.sort_by_key(|&i| std::cmp::Reverse(dydx_key(seed, 3, 0, i)));
            a
        };
        assert_ne!(order(1), order(2));
        assert_ne!(order(1), (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn never_more_than_needed_and_score_sign() {
        let c = [(0, d(5), d(1)), (1, d(5), d(2))];
        let total: Decimal = adl_select(&c, d(7)).iter().map(|x| x.1).sum();
        assert_eq!(total, d(7));
        let total: Decimal = adl_select(&c, d(70)).iter().map(|x| x.1).sum();
        assert_eq!(total, d(10));
        assert_eq!(adl_score(Decimal::new(5, 1), d(4)).unwrap(), d(2));
        assert_eq!(adl_score(Decimal::new(-4, 1), d(4)).unwrap(), Decimal::new(-1, 1));
    }

    /// The in-place selection gives what sorting every candidate by (score, account) and walking
    /// down to the needed quantity gives, ties and zero quantities included.
    #[test]
    fn in_place_take_matches_a_full_sort() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _ in 0..2_000 {
            let n = next(12) as usize;
            let mut accts: Vec<usize> = (0..30).collect();
            let cands: Vec<(usize, Decimal, Decimal)> = (0..n)
                .map(|_| {
                    let a = accts.swap_remove(next(accts.len() as u64) as usize);
                    (a, Decimal::new(next(5) as i64, next(2) as u32), Decimal::new(next(7) as i64 - 3, next(2) as u32))
                })
                .collect();
            let needed = Decimal::new(next(40) as i64, 1);
            let mut order: Vec<_> = cands.iter().filter(|c| c.1 > Decimal::ZERO).collect();
            order.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            let mut left = needed;
            let mut want = Vec::new();
            for c in order {
                if left.is_zero() {
                    break;
                }
                let take = c.1.min(left);
                want.push((c.0, take));
                left -= take;
            }
            assert_eq!(adl_select(&cands, needed), want, "{cands:?} needing {needed}");
        }
    }
}
