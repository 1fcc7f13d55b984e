//! Double-entry ledger: every movement of value is one entry between two named accounts, so a run
//! can be replayed like an audit. Write-downs are entries too (against `loss:unallocated`), and
//! rounding dust goes to the named `rounding` account, never silently lost or created.

use super::packed::{Decoded, Names, Reader, StepRecords, Writer};
pub(crate) use super::packed::Party;
use super::ledger_vm::{Block, VmJournal};
use super::money::{format_decimal, Checked, EngineResult};
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
    Closed(Decimal, Name, Decimal),
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
            EntryMemo::Closed(size, inst, price) => write!(f, "{} {} closed at {}", format_decimal(*size, 8), inst, format_decimal(*price, 8)),
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
    /// A step's socialized loss or VM-gains haircut passes through here: the payers' shares in,
    /// the defaulters' covered losses out (nets to zero within the step).
    pub const LOSS_SHARING: &str = "venue:loss_sharing";
    /// Cash taken out of the venue by its accounts (issue 19, withdrawal.rs).
    pub const WITHDRAWALS: &str = "external:withdrawals";
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

/// [`signed_sums`] with every addition checked: a run's conservation check (the CLI's, the tests')
/// reads this, so a balance beyond a `Decimal` is an error naming it, never a panic.
pub fn checked_signed_sums<E: Borrow<JournalEntry>>(entries: impl IntoIterator<Item = E>) -> EngineResult<BTreeMap<String, Decimal>> {
    let mut b: BTreeMap<(Name, Name), Decimal> = BTreeMap::new();
    for e in entries {
        let e = e.borrow();
        let d = b.entry((e.debit.clone(), e.asset.clone())).or_default();
        *d = d.add_c(e.amount, "a ledger account's balance")?;
        let c = b.entry((e.credit.clone(), e.asset.clone())).or_default();
        *c = c.sub_c(e.amount, "a ledger account's balance")?;
    }
    sums_per_asset(b)
}

/// The per-asset sums of checked balances, added in the balances' order.
fn sums_per_asset(b: BTreeMap<(Name, Name), Decimal>) -> EngineResult<BTreeMap<String, Decimal>> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for ((_, asset), v) in b {
        let x = out.entry(asset.to_string()).or_default();
        *x = x.add_c(v, "the ledger's sum")?;
    }
    Ok(out)
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

/// The run's journal, stored compactly: each entry a 12-byte head (step, where its bytes are) and
/// its fields packed into an arena (`packed`): names as indices into one table of shared
/// [`Name`]s, an account's own ledger name (`acct:{id}`) as the account's index (rendered on
/// demand from its id), the amount at 3–6 bytes, the memo as a small code — about 25 bytes an
/// entry instead of a [`JournalEntry`]'s 112 (a 100k-account run records 300k). Entries are
/// handed out as [`JournalEntry`] values built on demand (`get`, `iter`, `at_step`); serializes
/// exactly as the `Vec<JournalEntry>` it replaces.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Names, and the account ids for the ledger names of [`Party::Acct`].
    names: Names,
    statics: Vec<&'static str>,
    records: StepRecords,
    /// Static memo index by (address, length).
    by_static: HashMap<(usize, usize), u32, BuildHasherDefault<AddrHasher>>,
    /// Variation margin as one block per step, its entries built on demand (ledger_vm.rs);
    /// `None` when the run posts it entry by entry.
    vm: Option<Box<VmJournal>>,
}

/// Memo codes in the packed record.
const MEMO_STATIC: u8 = 0;
const MEMO_TEXT: u8 = 1;
const MEMO_CLOSED: u8 = 2;
const MEMO_TOWARD: u8 = 3;

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

impl Ledger {
    /// The ids of the run's accounts (their ledger names are `acct:{id}`).
    pub(crate) fn set_accounts(&mut self, ids: Vec<Name>) {
        self.names.set_accounts(ids);
    }

    fn static_id(&mut self, x: &'static str) -> u32 {
        let next = self.statics.len() as u32;
        let id = *self.by_static.entry((x.as_ptr() as usize, x.len())).or_insert(next);
        if id == next {
            self.statics.push(x);
        }
        id
    }

    fn party(&mut self, w: &mut Writer, p: Party) {
        w.u64(self.names.code(p));
    }

    /// Record an entry: `amount` of `asset` to `debit` from `credit` (names are interned).
    pub(crate) fn record(&mut self, step: u32, debit: Party, credit: Party, asset: Name, amount: Decimal, memo: EntryMemo) {
        let mut w = Writer::new();
        self.party(&mut w, debit);
        self.party(&mut w, credit);
        w.u64(u64::from(self.names.intern(asset)));
        w.dec(amount);
        match memo {
            EntryMemo::Static(x) => {
                w.u8(MEMO_STATIC);
                w.u64(u64::from(self.static_id(x)));
            }
            EntryMemo::Text(n) => {
                w.u8(MEMO_TEXT);
                w.u64(u64::from(self.names.intern(n)));
            }
            EntryMemo::Closed(size, inst, price) => {
                w.u8(MEMO_CLOSED);
                w.dec(size);
                w.u64(u64::from(self.names.intern(inst)));
                w.dec(price);
            }
            EntryMemo::Toward(what, n) => {
                w.u8(MEMO_TOWARD);
                w.u64(u64::from(self.static_id(what)));
                w.u64(u64::from(self.names.intern(n)));
            }
        }
        self.records.push(step, w.bytes());
    }

    /// Record an entry given with its names.
    pub(crate) fn push(&mut self, e: JournalEntry) {
        self.record(e.step, Party::Named(e.debit), Party::Named(e.credit), e.asset, e.amount, e.memo);
    }

    /// Recording is over: drop the interning maps and spare capacity.
    pub(crate) fn seal(&mut self) {
        self.names.seal();
        self.by_static = HashMap::default();
        self.records.shrink_to_fit();
        if let Some(vm) = self.vm.as_mut() {
            vm.seal();
        }
    }

    fn static_text(&self, i: u64) -> &'static str {
        usize::try_from(i).ok().and_then(|i| self.statics.get(i)).copied().unwrap_or("")
    }

    fn read_party(&self, r: &mut Reader) -> Name {
        match self.names.decode(r.u64()) {
            Decoded::Account(id) => Name::from(names::account(id.map_or("", |n| &**n))),
            Decoded::Named(n) => n,
        }
    }

    fn entry(&self, (step, mut r): (u32, Reader)) -> JournalEntry {
        let debit = self.read_party(&mut r);
        let credit = self.read_party(&mut r);
        let asset = self.names.get(r.u32());
        let amount = r.dec();
        let memo = match r.u8() {
            MEMO_STATIC => EntryMemo::Static(self.static_text(r.u64())),
            MEMO_TEXT => EntryMemo::Text(self.names.get(r.u32())),
            MEMO_CLOSED => {
                let size = r.dec();
                let inst = self.names.get(r.u32());
                EntryMemo::Closed(size, inst, r.dec())
            }
            _ => {
                let what = self.static_text(r.u64());
                EntryMemo::Toward(what, self.names.get(r.u32()))
            }
        };
        JournalEntry { step, debit, credit, amount, asset, memo }
    }

    /// Entry `i` as the engine recorded it (its sides as parties, not rendered names), for a
    /// reversal (trade_cancellation.rs): (debit, credit, asset, amount, memo).
    pub(crate) fn raw(&self, i: usize) -> Option<(Party, Party, Name, Decimal, EntryMemo)> {
        let p = match self.locate(i) {
            Loc::Phys(p) => p,
            Loc::Vm(b, off) => {
                let vm = self.vm.as_deref()?;
                let block = vm.blocks.get(b)?;
                let (a, d) = vm.nth(block, off)?;
                let (acct, settle) = (Party::Acct(a), Party::Named(vm.settlement().clone()));
                let (debit, credit, amount) = if d < Decimal::ZERO { (settle, acct, -d) } else { (acct, settle, d) };
                return Some((debit, credit, vm.asset().clone(), amount, EntryMemo::Static(super::ledger_vm::VM_MEMO)));
            }
        };
        let (_, mut r) = self.records.get(p)?;
        let party = |r: &mut Reader| {
            let x = r.u64();
            if x & 1 == 1 {
                Party::Acct(usize::try_from(x >> 1).unwrap_or(usize::MAX))
            } else {
                Party::Named(self.names.get((x >> 1) as u32))
            }
        };
        let debit = party(&mut r);
        let credit = party(&mut r);
        let asset = self.names.get(r.u32());
        let amount = r.dec();
        let e = self.get(i)?;
        Some((debit, credit, asset, amount, e.memo))
    }

    /// From now on variation margin is posted as blocks (`vm_begin`, `vm_hold`, `vm_end`).
    pub(crate) fn vm_compact(&mut self, vm: VmJournal) {
        self.vm = Some(Box::new(vm));
    }

    pub(crate) fn is_vm_compact(&self) -> bool {
        self.vm.is_some()
    }

    /// Step `t`'s variation margin begins.
    pub(crate) fn vm_begin(&mut self, t: u32) {
        if let Some(vm) = self.vm.as_mut() {
            vm.begin(t);
        }
    }

    /// Account `a` holds `positions` at the settlement (`VmJournal::hold`).
    pub(crate) fn vm_hold(&mut self, a: usize, positions: &[super::account::Pos]) {
        if let Some(vm) = self.vm.as_mut() {
            vm.hold(a, positions);
        }
    }

    /// Account `a`'s variation margin at step `t`, counted in the block (`VmJournal::settle`);
    /// `None` when the run posts entry by entry.
    pub(crate) fn vm_settle(&mut self, a: usize, positions: &[super::account::Pos], t: u32) -> Option<EngineResult<Decimal>> {
        self.vm.as_mut().map(|vm| vm.settle(a, positions, t))
    }

    /// The step's variation margin ends: its block sits here among the step's entries.
    pub(crate) fn vm_end(&mut self, accounts: usize) {
        let phys = self.records.len();
        if let Some(vm) = self.vm.as_mut() {
            vm.end(phys, accounts);
        }
    }

    fn blocks(&self) -> &[Block] {
        self.vm.as_deref().map_or(&[], |v| &v.blocks[..])
    }

    /// Where entry `i` is: a physical record, or entry `off` of block `b`.
    fn locate(&self, i: usize) -> Loc {
        let blocks = self.blocks();
        let k = blocks.partition_point(|b| b.start <= i);
        match k.checked_sub(1).and_then(|j| blocks.get(j)) {
            None => Loc::Phys(i),
            Some(b) if i < b.start + b.count => Loc::Vm(k - 1, i - b.start),
            Some(b) => Loc::Phys(i - b.entries_through()),
        }
    }

    /// Entries of the blocks of steps before `step`.
    fn block_entries_before(&self, step: u32) -> usize {
        let blocks = self.blocks();
        let k = blocks.partition_point(|b| b.step < step);
        k.checked_sub(1).and_then(|j| blocks.get(j)).map_or(0, Block::entries_through)
    }

    fn account_name(&self, a: usize) -> Name {
        match self.names.decode((a as u64) << 1 | 1) {
            Decoded::Account(id) => Name::from(names::account(id.map_or("", |n| &**n))),
            Decoded::Named(n) => n,
        }
    }

    fn vm_entry(&self, b: usize, off: usize) -> Option<JournalEntry> {
        let vm = self.vm.as_deref()?;
        vm.get(vm.blocks.get(b)?, off, |a| self.account_name(a))
    }

    fn vm_block(&self, b: usize) -> Vec<JournalEntry> {
        match self.vm.as_deref() {
            Some(vm) => vm.blocks.get(b).map(|x| vm.expand(x, |a| self.account_name(a))).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len() + self.blocks().last().map_or(0, Block::entries_through)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i`, built on demand.
    pub fn get(&self, i: usize) -> Option<JournalEntry> {
        match self.locate(i) {
            Loc::Phys(p) => self.records.get(p).map(|r| self.entry(r)),
            Loc::Vm(b, off) => self.vm_entry(b, off),
        }
    }

    /// The step of entry `i` (nothing is built).
    pub fn step_of(&self, i: usize) -> Option<u32> {
        match self.locate(i) {
            Loc::Phys(p) => self.records.step_of(p),
            Loc::Vm(b, _) => self.blocks().get(b).map(|b| b.step),
        }
    }

    /// Every entry in order, built one at a time (a variation-margin block at once).
    pub fn iter(&self) -> Entries<'_> {
        self.iter_range(0..self.len())
    }

    /// The entries `range`, in order.
    pub fn iter_range(&self, range: std::ops::Range<usize>) -> Entries<'_> {
        Entries { l: self, front: range.start, back: range.end.max(range.start), fcache: None, bcache: None }
    }

    /// Number of entries before `step` (the journal is in step order).
    pub fn count_before(&self, step: u32) -> usize {
        self.records.count_before(step) + self.block_entries_before(step)
    }

    /// Number of entries at or before `step`.
    pub fn count_through(&self, step: u32) -> usize {
        match step.checked_add(1) {
            Some(next) => self.count_before(next),
            None => self.len(),
        }
    }

    /// Index range of the entries of one step.
    pub fn range_at(&self, step: u32) -> std::ops::Range<usize> {
        self.count_before(step)..self.count_through(step)
    }

    /// The entries of one step.
    pub fn at_step(&self, step: u32) -> Vec<JournalEntry> {
        self.iter_range(self.range_at(step)).collect()
    }

    /// Net balance per (ledger account, asset), every addition checked and made in the journal's
    /// order, as [`checked_signed_sums`] makes them walking [`Ledger::iter`] — but a
    /// variation-margin block is read as (account, amount) pairs (`VmJournal::block_deltas`),
    /// never built into entries, and an account's ledger name is made once, not per entry
    /// (issue 14: the walk rebuilt 5.2 × 10⁷ entries of the design book for the CLI's check).
    pub fn checked_balances(&self) -> EngineResult<BTreeMap<(Name, Name), Decimal>> {
        const WHAT: &str = "a ledger account's balance";
        let mut slots: BTreeMap<(Name, Name), usize> = BTreeMap::new();
        let mut vals: Vec<Decimal> = Vec::new();
        let mut slot = |key: (Name, Name), vals: &mut Vec<Decimal>| -> usize {
            *slots.entry(key).or_insert_with(|| {
                vals.push(Decimal::ZERO);
                vals.len() - 1
            })
        };
        let post = |e: JournalEntry, vals: &mut Vec<Decimal>, slot: &mut dyn FnMut((Name, Name), &mut Vec<Decimal>) -> usize| -> EngineResult<()> {
            let d = slot((e.debit, e.asset.clone()), vals);
            vals[d] = vals[d].add_c(e.amount, WHAT)?; // ok: `slot` returns an index it pushed
            let c = slot((e.credit, e.asset), vals);
            vals[c] = vals[c].sub_c(e.amount, WHAT)?; // ok: as above
            Ok(())
        };
        let mut phys = 0;
        // Per account, its slot for the variation-margin asset (usize::MAX: not yet made).
        let mut acct_slot: Vec<usize> = Vec::new();
        let mut last = Vec::new();
        if let Some(vm) = self.vm.as_deref() {
            for b in &vm.blocks {
                for p in phys..b.phys {
                    if let Some(r) = self.records.get(p) {
                        post(self.entry(r), &mut vals, &mut slot)?;
                    }
                }
                phys = b.phys;
                let settle = slot((vm.settlement().clone(), vm.asset().clone()), &mut vals);
                vm.block_deltas(b, &mut last, |a, d| {
                    if acct_slot.len() <= a {
                        acct_slot.resize(a + 1, usize::MAX);
                    }
                    if acct_slot[a] == usize::MAX {
                        acct_slot[a] = slot((self.account_name(a), vm.asset().clone()), &mut vals); // ok: resized above
                    }
                    let acct = acct_slot[a]; // ok: resized above
                    // As `VmJournal::entry` posts it: the payer is the credit side.
                    let (debit, credit, amount) = if d < Decimal::ZERO { (settle, acct, -d) } else { (acct, settle, d) };
                    vals[debit] = vals[debit].add_c(amount, WHAT)?; // ok: slots index `vals`
                    vals[credit] = vals[credit].sub_c(amount, WHAT)?; // ok: as above
                    Ok(())
                })?;
            }
        }
        for p in phys..self.records.len() {
            if let Some(r) = self.records.get(p) {
                post(self.entry(r), &mut vals, &mut slot)?;
            }
        }
        Ok(slots.into_iter().map(|(k, i)| (k, vals.get(i).copied().unwrap_or_default())).collect())
    }

    /// [`checked_signed_sums`] of this journal, from [`Ledger::checked_balances`].
    pub fn checked_signed_sums(&self) -> EngineResult<BTreeMap<String, Decimal>> {
        sums_per_asset(self.checked_balances()?)
    }

    /// Bytes held by the packed fields and the variation-margin blocks (for the memory figures).
    pub fn packed_bytes(&self) -> usize {
        self.records.bytes() + self.vm.as_deref().map_or(0, VmJournal::bytes)
    }
}

/// Where a journal entry is stored.
enum Loc {
    Phys(usize),
    Vm(usize, usize),
}

/// The journal's entries in order, built on demand; a variation-margin block is built whole
/// when the walk enters it (one valuation per account, not one search per entry).
pub struct Entries<'a> {
    l: &'a Ledger,
    front: usize,
    back: usize,
    fcache: Option<(usize, Vec<JournalEntry>)>,
    bcache: Option<(usize, Vec<JournalEntry>)>,
}

impl Entries<'_> {
    fn at(&mut self, i: usize, from_back: bool) -> Option<JournalEntry> {
        match self.l.locate(i) {
            Loc::Phys(p) => self.l.records.get(p).map(|r| self.l.entry(r)),
            Loc::Vm(b, off) => {
                let cache = if from_back { &mut self.bcache } else { &mut self.fcache };
                if cache.as_ref().is_none_or(|c| c.0 != b) {
                    *cache = Some((b, self.l.vm_block(b)));
                }
                cache.as_ref().and_then(|c| c.1.get(off)).cloned()
            }
        }
    }
}

impl Iterator for Entries<'_> {
    type Item = JournalEntry;
    fn next(&mut self) -> Option<JournalEntry> {
        while self.front < self.back {
            let i = self.front;
            self.front += 1;
            if let Some(e) = self.at(i, false) {
                return Some(e);
            }
        }
        None
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<JournalEntry> {
        while self.front < self.back {
            self.back -= 1;
            let i = self.back;
            if let Some(e) = self.at(i, true) {
                return Some(e);
            }
        }
        None
    }
}

impl ExactSizeIterator for Entries<'_> {}

impl PartialEq for Ledger {
    fn eq(&self, o: &Ledger) -> bool {
        self.len() == o.len() && self.iter().zip(o.iter()).all(|(a, b)| a == b)
    }
}

impl<'a> IntoIterator for &'a Ledger {
    type Item = JournalEntry;
    type IntoIter = Entries<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Serialize for Ledger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for e in self.iter() {
            seq.serialize_element(&e)?;
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
            JournalEntry { step: 1, debit: a.clone(), credit: b.clone(), amount: Decimal::TWO, asset: usd.clone(), memo: EntryMemo::Closed(Decimal::NEGATIVE_ONE, inst, Decimal::TEN) },
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

    /// An account recorded by index reads back as `acct:{id}`, and an index without an id as
    /// `acct:` (never a panic).
    #[test]
    fn accounts_by_index_read_back_by_name() {
        let mut l = Ledger::default();
        l.set_accounts(vec![Name::from("alice"), Name::from("bob")]);
        let usd = Name::from("USD");
        l.record(2, Party::Acct(1), Party::Named("venue:settlement".into()), usd.clone(), Decimal::new(-5, 3), "variation margin".into());
        l.record(2, Party::Named("venue:insurance_fund".into()), Party::Acct(0), usd.clone(), Decimal::ONE, EntryMemo::Closed(Decimal::new(25, 1), "BTC-PERP".into(), Decimal::new(425005, 1)));
        l.record(3, Party::Acct(7), Party::Acct(0), usd, Decimal::MAX, EntryMemo::Toward("assessment", "bob".into()));
        l.seal();
        let e: Vec<JournalEntry> = l.iter().collect();
        assert_eq!((&*e[0].debit, &*e[0].credit, e[0].amount.to_string()), ("acct:bob", "venue:settlement", "-0.005".to_string()));
        assert_eq!((&*e[1].debit, &*e[1].credit), ("venue:insurance_fund", "acct:alice"));
        assert_eq!(e[1].memo.to_string(), "2.5 BTC-PERP closed at 42,500.5");
        assert_eq!((&*e[2].debit, &*e[2].credit, e[2].amount), ("acct:", "acct:alice", Decimal::MAX));
        assert_eq!(e[2].memo.to_string(), "assessment toward bob");
        assert_eq!(l.count_through(2), 2);
    }
}
