//! The one pro-rata split of the engine, and its one rounding rule.
//!
//! Every layer that shares a loss (survivors' fund, assessments, socialized loss, VM-gains
//! haircut, tear-up) splits it here:
//!
//! - share_i = amount × w_i / Σw, rounded toward zero at [`SHARE_DP`] (8) decimals, and never more
//!   than w_i (a payer never pays beyond its weight);
//! - the dust, amount − Σ shares (≥ 0, less than one unit of 10⁻⁸ per payer), is paid by the
//!   venue's rounding account (`venue:rounding`) in one ledger entry ([`Sim::pay_dust`]), so the one
//!   the split pays receives exactly the amount and conservation holds to the last unit.
//!
//! ADL's per-contract charges round the same way ([`round_share`]); there the last hit pays what
//! is left, so no dust remains.

use crate::engine::ledger::{names, EntryMemo};
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::Sim;
use rust_decimal::Decimal;

/// Shares are rounded down to this many decimals; the dust goes to the rounding account.
pub const SHARE_DP: u32 = 8;

/// The memo of every dust entry.
const ROUNDING_MEMO: &str = "rounding of pro-rata shares";

/// A split: each payer's share (payers with a zero share left out) and the dust.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub shares: Vec<(usize, Decimal)>,
    pub dust: Decimal,
}

/// A share rounded by the split's rule: toward zero at [`SHARE_DP`] decimals.
pub fn round_share(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(SHARE_DP, rust_decimal::RoundingStrategy::ToZero)
}

/// Split `amount` pro rata to `weights` (account, weight) by the rule above. Requires
/// `amount ≤ Σ weights` for each share to stay within its weight; nothing to split (no positive
/// weight, or `amount ≤ 0`) gives no shares and the whole (non-negative) amount as dust.
pub fn distribute(amount: Decimal, weights: &[(usize, Decimal)]) -> EngineResult<Split> {
    let total = weights.iter().try_fold(Decimal::ZERO, |a, (_, w)| a.add_c(*w, "pro-rata weights"))?;
    if total <= Decimal::ZERO || amount <= Decimal::ZERO {
        return Ok(Split { shares: Vec::new(), dust: amount.max(Decimal::ZERO) });
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut sum = Decimal::ZERO;
    for &(a, w) in weights {
        if w <= Decimal::ZERO {
            continue;
        }
        // share = amount × w / total, rounded down so the sum never exceeds amount.
        let share = amount
            .mul_c(w, "pro-rata share")
            .or_else(|_| amount.div_c(total, "pro-rata share").and_then(|r| r.mul_c(w, "pro-rata share")))?
            .div_c(total, "pro-rata share")
            .or_else(|_| amount.div_c(total, "pro-rata share").and_then(|r| r.mul_c(w, "pro-rata share")))?;
        let share = round_share(share).min(w);
        if share > Decimal::ZERO {
            sum = sum.add_c(share, "pro-rata sum")?;
            shares.push((a, share));
        }
    }
    Ok(Split { shares, dust: amount.sub_c(sum, "rounding dust")?.max(Decimal::ZERO) })
}

/// Who receives a split's dust: the defaulter the split paid (its cash), or the loss-sharing pool
/// that passes a per-step split on to the step's defaulters.
pub(in crate::engine) enum DustTo {
    Defaulter(usize),
    Pool,
}

impl<'a> Sim<'a> {
    /// Record a split for `explain` (issue 15: "why me?"): its layer, rule, the defaulter it
    /// paid, the amount, the total of the bases (and an assessment's cap multiple), each base and
    /// each share. Only full runs record it.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::engine) fn split(&mut self, t: u32, l: impl Into<Option<usize>>, rule: crate::engine::explain::SplitRule, def: Option<usize>, take: Decimal, total: Decimal, multiple: Option<Decimal>, w: &[(usize, Decimal)], shares: &[(usize, Decimal)]) {
        if self.full {
            self.splits.record(t, l.into(), rule, def, take, total, multiple, w, shares);
        }
    }

    /// The rule's second half: a split's dust comes from `venue:rounding` (one entry; none when
    /// there is no dust). Returns what was paid.
    pub(in crate::engine) fn pay_dust(&mut self, t: u32, to: DustTo, dust: Decimal) -> EngineResult<Decimal> {
        if dust <= Decimal::ZERO {
            return Ok(Decimal::ZERO);
        }
        let rounding = self.vn(names::ROUNDING);
        match to {
            DustTo::Defaulter(def) => self.credit_def(def, t, rounding, dust, EntryMemo::Static(ROUNDING_MEMO))?,
            DustTo::Pool => {
                let pool = self.vn(names::LOSS_SHARING);
                self.post(t, pool, rounding, dust, EntryMemo::Static(ROUNDING_MEMO));
            }
        }
        Ok(dust)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn distribute_rounds_down_and_reports_dust() {
        let Split { shares, dust } = distribute(d("1"), &[(0, d("1")), (1, d("1")), (2, d("1"))]).unwrap();
        let sum: Decimal = shares.iter().map(|s| s.1).sum();
        assert_eq!(sum + dust, d("1"));
        assert_eq!(shares[0].1, d("0.33333333"));
        assert_eq!(dust, d("0.00000001"));
        // Survivors' fund worked example: 107 from contributions 100 / 50 / 16 (total 166).
        let Split { shares, dust } = distribute(d("107"), &[(0, d("100")), (1, d("50")), (2, d("16"))]).unwrap();
        let sum: Decimal = shares.iter().map(|s| s.1).sum();
        assert_eq!(sum + dust, d("107"));
        assert_eq!(shares[0].1, d("64.45783132"));
    }

    #[test]
    fn nothing_to_split_is_all_dust_and_no_share_passes_its_weight() {
        assert_eq!(distribute(d("5"), &[(0, d("0"))]).unwrap(), Split { shares: vec![], dust: d("5") });
        assert_eq!(distribute(d("-5"), &[(0, d("1"))]).unwrap(), Split { shares: vec![], dust: d("0") });
        // Zero-weight payers are skipped; the amount equal to the weights pays each its weight.
        let Split { shares, dust } = distribute(d("3"), &[(0, d("1")), (1, d("0")), (2, d("2"))]).unwrap();
        assert_eq!(shares, vec![(0, d("1")), (2, d("2"))]);
        assert_eq!(dust, d("0"));
        assert_eq!(round_share(d("0.123456789")), d("0.12345678"));
        assert_eq!(round_share(d("-0.123456789")), d("-0.12345678"));
    }
}
