//! Double-entry ledger: every movement of value is one entry between two named accounts, so a run
//! can be replayed like an audit. Write-downs are entries too (against `loss:unallocated`), and
//! rounding dust goes to the named `rounding` account, never silently lost or created.

use super::chunked::Chunked;
use super::money::format_decimal;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
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
pub fn balances<E: Borrow<JournalEntry>>(entries: impl IntoIterator<Item = E>) -> BTreeMap<(String, String), Decimal> {
    let mut b: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for e in entries {
        let e = e.borrow();
        *b.entry((e.debit.to_string(), e.asset.to_string())).or_default() += e.amount;
        *b.entry((e.credit.to_string(), e.asset.to_string())).or_default() -= e.amount;
    }
    b
}

/// Sum of every signed posting per asset; zero for every asset in a sound run.
pub fn signed_sums<E: Borrow<JournalEntry>>(entries: impl IntoIterator<Item = E>) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for ((_, asset), v) in balances(entries) {
        *out.entry(asset).or_default() += v;
    }
    out
}

/// Balance of one ledger account in one asset.
pub fn balance_of<E: Borrow<JournalEntry>>(entries: impl IntoIterator<Item = E>, account: &str, asset: &str) -> Decimal {
    entries
        .into_iter()
        .filter(|e| &*e.borrow().asset == asset)
        .map(|e| {
            let e = e.borrow();
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

/// The run's journal, stored compactly: each entry refers to its names (ledger accounts, asset,
/// memo texts) by a `u32` index into one table of shared [`Name`]s, and its memo by a small code,
/// so an entry is 44 bytes instead of a [`JournalEntry`]'s 112 (a 100k-account run records 300k).
/// Entries are handed out as [`JournalEntry`] values built on demand (`get`, `iter`, `at_step`);
/// serializes exactly as the `Vec<JournalEntry>` it replaces.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    names: Interner,
    statics: Vec<&'static str>,
    /// `Closed` memos: (size, instrument name index, price).
    closed: Vec<(Decimal, u32, Decimal)>,
    rows: Chunked<Row>,
    /// Static memo index by (address, length).
    by_static: HashMap<(usize, usize), u32, BuildHasherDefault<AddrHasher>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Row {
    step: u32,
    debit: u32,
    credit: u32,
    asset: u32,
    amount: Decimal,
    memo: Memo,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Memo {
    Static(u32),
    Text(u32),
    Closed(u32),
    Toward(u32, u32),
}

/// Multiplicative hash of an address (keys are pointers: no attacker-chosen input).
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// A table of shared names, each referred to by a `u32` index.
///
/// Interning looks the name's address up in a small direct-mapped cache, not in a map of every
/// name: a name that fell out of the cache gets a second index (one more 16-byte pointer to the
/// same text), which is rare (an account's entries and events come in bursts) and much cheaper
/// in time and memory than a hash map of 100k addresses.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: Chunked<Name>,
    /// While recording: (address of a name's text, its index); address 0 = empty slot. The table
    /// keeps every interned name alive, so a cached address cannot belong to another name.
    cache: Vec<(usize, u32)>,
}

const CACHE_SLOTS: usize = 1 << 14;

impl Interner {
    pub(crate) fn id(&mut self, n: Name) -> u32 {
        let addr = n.as_ptr() as usize;
        if self.cache.is_empty() {
            self.cache = vec![(0, 0); CACHE_SLOTS];
        }
        let slot = ((addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50) as usize % CACHE_SLOTS;
        if let Some(c) = self.cache.get_mut(slot) {
            if c.0 == addr && addr != 0 {
                return c.1;
            }
            let id = self.names.len() as u32;
            *c = (addr, id);
            self.names.push(n);
            return id;
        }
        self.names.push(n);
        self.names.len() as u32 - 1
    }

    pub(crate) fn get(&self, i: u32) -> Name {
        self.names.get(i as usize).cloned().unwrap_or_else(|| Name::from(""))
    }

    /// Recording is over: drop the cache and spare capacity.
    pub(crate) fn seal(&mut self) {
        self.cache = Vec::new();
        self.names.shrink_to_fit();
    }
}

impl Ledger {
    fn name_id(&mut self, n: Name) -> u32 {
        self.names.id(n)
    }

    fn static_id(&mut self, x: &'static str) -> u32 {
        let next = self.statics.len() as u32;
        let id = *self.by_static.entry((x.as_ptr() as usize, x.len())).or_insert(next);
        if id == next {
            self.statics.push(x);
        }
        id
    }

    /// Record an entry (its names are interned).
    pub(crate) fn push(&mut self, e: JournalEntry) {
        let memo = match e.memo {
            EntryMemo::Static(x) => Memo::Static(self.static_id(x)),
            EntryMemo::Text(n) => Memo::Text(self.name_id(n)),
            EntryMemo::Closed(c) => {
                let (size, inst, price) = *c;
                let inst = self.name_id(inst);
                self.closed.push((size, inst, price));
                Memo::Closed(self.closed.len() as u32 - 1)
            }
            EntryMemo::Toward(what, n) => Memo::Toward(self.static_id(what), self.name_id(n)),
        };
        let row = Row { step: e.step, debit: self.name_id(e.debit), credit: self.name_id(e.credit), asset: self.name_id(e.asset), amount: e.amount, memo };
        self.rows.push(row);
    }

    /// Recording is over: drop the interning maps and spare capacity.
    pub(crate) fn seal(&mut self) {
        self.names.seal();
        self.by_static = HashMap::default();
        self.rows.shrink_to_fit();
        self.closed.shrink_to_fit();
    }

    fn name(&self, i: u32) -> Name {
        self.names.get(i)
    }

    fn memo(&self, m: Memo) -> EntryMemo {
        match m {
            Memo::Static(i) => EntryMemo::Static(self.statics.get(i as usize).copied().unwrap_or("")),
            Memo::Text(i) => EntryMemo::Text(self.name(i)),
            Memo::Closed(i) => {
                let (size, inst, price) = self.closed.get(i as usize).copied().unwrap_or((Decimal::ZERO, u32::MAX, Decimal::ZERO));
                EntryMemo::Closed(Box::new((size, self.name(inst), price)))
            }
            Memo::Toward(w, n) => EntryMemo::Toward(self.statics.get(w as usize).copied().unwrap_or(""), self.name(n)),
        }
    }

    fn entry(&self, r: &Row) -> JournalEntry {
        JournalEntry { step: r.step, debit: self.name(r.debit), credit: self.name(r.credit), amount: r.amount, asset: self.name(r.asset), memo: self.memo(r.memo) }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// Entry `i`, built on demand.
    pub fn get(&self, i: usize) -> Option<JournalEntry> {
        self.rows.get(i).map(|r| self.entry(r))
    }

    /// The step of entry `i` (no entry is built).
    pub fn step_of(&self, i: usize) -> Option<u32> {
        self.rows.get(i).map(|r| r.step)
    }

    /// Every entry in order, built one at a time.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = JournalEntry> + ExactSizeIterator + '_ {
        self.rows.iter().map(|r| self.entry(r))
    }

    /// Number of entries recorded at or before `step` (the ledger is in step order).
    pub fn count_through(&self, step: u32) -> usize {
        self.rows.partition_point(|r| r.step <= step)
    }

    /// Index range of the entries of one step.
    pub fn range_at(&self, step: u32) -> std::ops::Range<usize> {
        self.rows.partition_point(|r| r.step < step)..self.count_through(step)
    }

    /// The entries of one step.
    pub fn at_step(&self, step: u32) -> Vec<JournalEntry> {
        self.range_at(step).filter_map(|i| self.get(i)).collect()
    }
}

impl PartialEq for Ledger {
    fn eq(&self, o: &Ledger) -> bool {
        self.len() == o.len() && self.iter().zip(o.iter()).all(|(a, b)| a == b)
    }
}

impl<'a> IntoIterator for &'a Ledger {
    type Item = JournalEntry;
    type IntoIter = Box<dyn Iterator<Item = JournalEntry> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Serialize for Ledger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for r in self.rows.iter() {
            seq.serialize_element(&self.entry(r))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod compact_tests {
    use super::*;

    #[test]
    fn entries_come_back_as_recorded() {
        let (a, b, usd, inst): (Name, Name, Name, Name) = ("acct:a".into(), "venue:settlement".into(), "USD".into(), "BTC".into());
        let entries = vec![
            JournalEntry { step: 0, debit: a.clone(), credit: b.clone(), amount: Decimal::new(15, 1), asset: usd.clone(), memo: "opening collateral".into() },
            JournalEntry { step: 1, debit: b.clone(), credit: a.clone(), amount: Decimal::ONE, asset: usd.clone(), memo: EntryMemo::Toward("insurance fund", a.clone()) },
            JournalEntry { step: 1, debit: a.clone(), credit: b.clone(), amount: Decimal::TWO, asset: usd.clone(), memo: EntryMemo::Closed(Box::new((Decimal::NEGATIVE_ONE, inst, Decimal::TEN))) },
            JournalEntry { step: 3, debit: Name::from("acct:a"), credit: b, amount: Decimal::TEN, asset: usd, memo: String::from("free text").into() },
        ];
        let mut l = Ledger::default();
        for e in entries.clone() {
            l.push(e);
        }
        l.seal();
        assert_eq!(l.iter().collect::<Vec<_>>(), entries);
        assert_eq!(serde_json::to_string(&l).ok(), serde_json::to_string(&entries).ok());
        assert_eq!(l.range_at(1), 1..3);
        assert_eq!(l.count_through(2), 3);
        assert_eq!(l.at_step(3), entries[3..].to_vec());
        assert_eq!(balances(&l), balances(&entries));
    }
}
