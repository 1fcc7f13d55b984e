//! Double-entry ledger: every movement of value is one entry between two named accounts, so a run
//! can be replayed like an audit. Write-downs are entries too (against `loss:unallocated`), and
//! rounding dust goes to the named `rounding` account, never silently lost or created.

use super::money::format_decimal;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// An interned name (ledger account, asset, account or instrument id): one allocation per
/// distinct name, shared by every entry that mentions it. Derefs to `&str`.
pub type Name = Arc<str>;

/// `amount` of `asset` moves from `credit` (the payer) to `debit` (the receiver) at `step`.
/// Serializes exactly as a struct of strings (`memo` rendered).
#[derive(Clone, Debug, PartialEq)]
pub struct JournalEntry {
    pub step: u32,
    pub debit: Name,
    pub credit: Name,
    pub amount: Decimal,
    pub asset: Name,
    pub memo: EntryMemo,
}

impl Serialize for JournalEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("JournalEntry", 6)?;
        st.serialize_field("step", &self.step)?;
        st.serialize_field("debit", &*self.debit)?;
        st.serialize_field("credit", &*self.credit)?;
        st.serialize_field("amount", &self.amount)?;
        st.serialize_field("asset", &*self.asset)?;
        st.serialize_field("memo", &self.memo.to_string())?;
        st.end()
    }
}

/// A journal entry's memo, kept compact and rendered on demand (`Display` / `to_string()`).
#[derive(Clone, Debug, PartialEq)]
pub enum EntryMemo {
    Static(&'static str),
    Text(Name),
    /// "{size} {instrument} closed at {price}" (size and price to 8 places).
    Closed(Box<(Decimal, Name, Decimal)>),
    /// "{what} toward {account name}".
    Toward(&'static str, Name),
}

impl EntryMemo {
    /// Whether the rendered memo contains `pat`.
    pub fn contains(&self, pat: &str) -> bool {
        self.to_string().contains(pat)
    }
}

impl fmt::Display for EntryMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryMemo::Static(x) => f.write_str(x),
            EntryMemo::Text(x) => f.write_str(x),
            EntryMemo::Closed(c) => write!(f, "{} {} closed at {}", format_decimal(c.0, 8), c.1, format_decimal(c.2, 8)),
            EntryMemo::Toward(what, name) => write!(f, "{what} toward {name}"),
        }
    }
}

impl From<&'static str> for EntryMemo {
    fn from(x: &'static str) -> EntryMemo {
        EntryMemo::Static(x)
    }
}

impl From<String> for EntryMemo {
    fn from(x: String) -> EntryMemo {
        EntryMemo::Text(x.into())
    }
}

impl PartialEq<str> for EntryMemo {
    fn eq(&self, o: &str) -> bool {
        self.to_string() == o
    }
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
        *b.entry((e.debit.to_string(), e.asset.to_string())).or_default() += e.amount;
        *b.entry((e.credit.to_string(), e.asset.to_string())).or_default() -= e.amount;
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
        .filter(|e| &*e.asset == asset)
        .map(|e| {
            if &*e.debit == account {
                e.amount
            } else if &*e.credit == account {
                -e.amount
            } else {
                Decimal::ZERO
            }
        })
        .sum()
}

/// Serialize a [`Name`] as a plain string (serde's `rc` feature is not enabled).
pub(crate) fn ser_name<S: Serializer>(x: &Name, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(x)
}

pub(crate) fn ser_opt_name<S: Serializer>(x: &Option<Name>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(n) => s.serialize_some(&**n),
        None => s.serialize_none(),
    }
}
