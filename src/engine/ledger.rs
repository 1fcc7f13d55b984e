//! Double-entry ledger: every movement of value is one entry between two named accounts, so a run
//! can be replayed like an audit. Write-downs are entries too (against `loss:unallocated`), and
//! rounding dust goes to the named `rounding` account, never silently lost or created.

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// `amount` of `asset` moves from `credit` (the payer) to `debit` (the receiver) at `step`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JournalEntry {
    pub step: u32,
    pub debit: String,
    pub credit: String,
    pub amount: Decimal,
    pub asset: String,
    pub memo: String,
}

/// Names of the venue-side ledger accounts.
pub mod names {
    pub const DEPOSITS: &str = "external:deposits";
    pub const SETTLEMENT: &str = "venue:settlement";
    pub const INSURANCE: &str = "venue:insurance_fund";
    pub const DEFAULT_FUND: &str = "venue:default_fund";
    pub const CCP_CAPITAL: &str = "venue:own_capital";
    pub const MARKET: &str = "external:market";
    pub const ROUNDING: &str = "venue:rounding";
    pub const UNALLOCATED: &str = "loss:unallocated";
    pub fn account(id: &str) -> String {
        format!("acct:{id}")
    }
    pub fn reserves(id: &str) -> String {
        format!("external:reserves:{id}")
    }
}

/// Net balance per (ledger account, asset): debits minus credits.
pub fn balances(entries: &[JournalEntry]) -> BTreeMap<(String, String), Decimal> {
    let mut b: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for e in entries {
        *b.entry((e.debit.clone(), e.asset.clone())).or_default() += e.amount;
        *b.entry((e.credit.clone(), e.asset.clone())).or_default() -= e.amount;
    }
    b
}

/// Sum of every signed posting per asset; zero for every asset in a sound run.
pub fn signed_sums(entries: &[JournalEntry]) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for ((_, asset), v) in balances(entries) {
        *out.entry(asset).or_default() += v;
    }
    out
}

/// Balance of one ledger account in one asset.
pub fn balance_of(entries: &[JournalEntry], account: &str, asset: &str) -> Decimal {
    entries
        .iter()
        .filter(|e| e.asset == asset)
        .map(|e| {
            if e.debit == account {
                e.amount
            } else if e.credit == account {
                -e.amount
            } else {
                Decimal::ZERO
            }
        })
        .sum()
}
